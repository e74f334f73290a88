#pragma once

#include <certgate/core/Clock.hpp>
#include <certgate/core/KeyRing.hpp>
#include <certgate/core/Storage.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace certgate::core {

/// Append-only audit log, hash-chained with a keyed HMAC (issue 5 item 6): every row's hash
/// is HMAC-SHA256(key, previous hash || canonical encoding of its fields), so an edited,
/// inserted, reordered or deleted row breaks the chain for anyone holding the key.
/// The key comes from the audit key ring (issue 18 item 4): new rows are made by its current
/// key and record that key's id, which is itself hashed (except id "1", so the rows written
/// before key ids verify unchanged); every row verifies under the key it names.
class AuditLog {
public:
    AuditLog(Storage& storage, const Clock& clock, std::shared_ptr<const KeyRing> keys);
    /// A ring of this one key (id "1").
    AuditLog(Storage& storage, const Clock& clock, std::vector<std::uint8_t> key);

    struct Entry {
        std::string actor;
        std::string action;
        std::string outcome = "ok";
        std::string errorCode;
        std::string agencyCode;
        std::string subject;
        std::string details = "{}"; ///< JSON, no personal data
    };

    /// Appends on `storage` (pass the transaction's Storage& to make the event part of it).
    AuditEvent append(Storage& storage, const Entry& entry) const;
    /// Appends in its own transaction (refusals, reads by staff).
    AuditEvent append(const Entry& entry) const;

    struct Verification {
        bool ok = true;
        std::int64_t checked = 0;
        std::int64_t firstBadSeq = 0; ///< 0 when ok
        std::string problem; ///< English
    };
    Verification verify() const;

    /// Under the key the event names; throws Error(InternalError) when the ring lacks it.
    std::string computeHash(const AuditEvent& event) const;
    const KeyRing& keys() const { return *keys_; }

private:
    static std::string computeHash(const AuditEvent& event, const std::vector<std::uint8_t>& key);

    Storage& storage_;
    const Clock& clock_;
    std::shared_ptr<const KeyRing> keys_;
};

} // namespace certgate::core
