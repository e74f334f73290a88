#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certgate::core {

/// National ID numbers at rest (SPEC §7, issue 5 item 7): AES-256-GCM ciphertext for the
/// cases that must show them again (masked), and a keyed hash (HMAC-SHA256) for lookups.
/// Both keys are derived with HKDF from one 32-byte master key from the configuration.
class PiiProtector {
public:
    explicit PiiProtector(const std::vector<std::uint8_t>& masterKey);
    ~PiiProtector();

    /// base64(nonce 12 || ciphertext || tag 16), prefixed "v1:".
    std::string encrypt(const std::string& plaintext) const;
    /// Throws core::Error(InternalError) if the ciphertext was tampered with or the key differs.
    std::string decrypt(const std::string& ciphertext) const;
    /// Hex HMAC of the upper-cased value.
    std::string hash(const std::string& nationalId) const;

    /// "A12****789": first three and last three characters kept.
    static std::string mask(const std::string& nationalId);

private:
    std::vector<std::uint8_t> encryptionKey_;
    std::vector<std::uint8_t> hashKey_;
};

} // namespace certgate::core
