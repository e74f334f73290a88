#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace certgate::core {

/// One secret of a key ring: its id, a decimal number ("1" is the key a deployment started
/// with), and at least 32 bytes.
struct RingKey {
    std::string id;
    std::vector<std::uint8_t> bytes;
};

/// The keys of one purpose (personal data, the audit chain) by id (issue 18 item 4). The current
/// key, which protects new data, is the one with the highest id; the older ones stay to read
/// what they protected. A ring with a source re-reads it on reload() and whenever a key asked
/// for is not in it, so a running server learns a key that `certgate keys rotate` has added.
class KeyRing {
public:
    using Source = std::function<std::vector<RingKey>()>;
    using KeyBytes = std::shared_ptr<const std::vector<std::uint8_t>>;

    /// Throws std::invalid_argument when `keys` is empty, an id is not a decimal number from 1
    /// or a key is shorter than 32 bytes.
    explicit KeyRing(std::vector<RingKey> keys, Source source = {});
    /// A ring of one key, id "1" (a key given inline, tests).
    explicit KeyRing(const std::vector<std::uint8_t>& onlyKey);

    struct Current {
        std::string id;
        KeyBytes bytes;
    };
    Current current() const;
    std::string currentId() const { return current().id; }
    /// Key `id`; re-reads the source once when the ring lacks it. Throws Error(InternalError)
    /// when it is still unknown.
    KeyBytes key(const std::string& id) const;
    bool has(const std::string& id) const;
    /// Ascending by number.
    std::vector<std::string> ids() const;
    /// Re-reads the source (nothing without one); a failing or empty source keeps the ring
    /// as it was and throws.
    void reload() const;

    static bool validId(const std::string& id);
    /// The id after the highest of `ids` ("2" after "1").
    static std::string nextId(const std::vector<std::string>& ids);

private:
    struct Snapshot;
    static std::shared_ptr<const Snapshot> build(std::vector<RingKey> keys);
    std::shared_ptr<const Snapshot> snapshot() const;

    Source source_;
    mutable std::mutex mutex_;
    mutable std::shared_ptr<const Snapshot> snapshot_;
};

} // namespace certgate::core
