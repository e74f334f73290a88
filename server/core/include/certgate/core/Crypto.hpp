#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::core {

/// Small wrappers over OpenSSL's RAND/SHA/HMAC/HKDF (implementation only; no OpenSSL types
/// here), so that the domain can ask for ids, tokens and digests without a crypto library
/// in its headers.
std::vector<std::uint8_t> randomBytes(std::size_t count);
/// URL-safe base64 without padding of `bytes` random bytes (session ids, CSRF tokens).
std::string randomToken(std::size_t bytes = 32);
/// 32 hex characters (record ids).
std::string randomId();
std::string sha256Hex(std::string_view data);
std::vector<std::uint8_t> hmacSha256(const std::vector<std::uint8_t>& key, std::string_view data);
std::string toHex(const std::vector<std::uint8_t>& bytes);
/// HKDF-SHA256 (RFC 5869) of `length` bytes for one purpose (`info`).
std::vector<std::uint8_t> hkdfSha256(
    const std::vector<std::uint8_t>& key, std::string_view info, std::size_t length);
/// Constant-time comparison.
bool equalConstantTime(std::string_view a, std::string_view b);
/// Wipes a buffer in a way the compiler cannot optimise away.
void wipe(std::string& secret);

} // namespace certgate::core
