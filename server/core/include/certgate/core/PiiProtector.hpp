#pragma once

#include <certgate/core/KeyRing.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace certgate::core {

/// National ID numbers at rest (SPEC §7, issue 5 item 7): AES-256-GCM ciphertext for the
/// cases that must show them again (masked), and a keyed hash (HMAC-SHA256) for lookups.
/// Both keys are derived with HKDF from a 32-byte master key of the personal-data key ring;
/// every stored value names its master key (issue 18 item 4), so that values of an older key
/// stay readable while `certgate keys rotate --pii` rewrites them under the current one.
///
/// Spellings: key "1" (the original key) keeps the first spelling, ciphertext
/// "v1:" base64(nonce 12 || ciphertext || tag 16) and a bare hex hash; any other key K writes
/// "v2:K:" base64(...) and "K:" hex.
class PiiProtector {
public:
    explicit PiiProtector(std::shared_ptr<const KeyRing> ring);
    /// A ring of this one key (id "1").
    explicit PiiProtector(const std::vector<std::uint8_t>& masterKey);

    /// Under the ring's current key.
    std::string encrypt(const std::string& plaintext) const;
    /// Under the key the ciphertext names. Throws core::Error(InternalError) if it was
    /// tampered with, its key differs or is not in the ring.
    std::string decrypt(const std::string& ciphertext) const;
    /// The keyed hash of the upper-cased value under the current key.
    std::string hash(const std::string& nationalId) const;
    /// Whether `storedHash` (of any key in the ring) is the hash of `nationalId`.
    bool matches(const std::string& storedHash, const std::string& nationalId) const;

    std::string currentKeyId() const { return ring_->currentId(); }
    const KeyRing& ring() const { return *ring_; }
    /// The key id a ciphertext names ("" when it is not one of ours).
    static std::string keyIdOf(const std::string& ciphertext);
    /// How every ciphertext of key `keyId` begins ("v1:", "v2:2:").
    static std::string ciphertextPrefix(const std::string& keyId);

    /// "A12****789": first three and last three characters kept.
    static std::string mask(const std::string& nationalId);

private:
    std::string hashUnder(const std::string& keyId, const std::vector<std::uint8_t>& master,
        const std::string& nationalId) const;

    std::shared_ptr<const KeyRing> ring_;
};

} // namespace certgate::core
