#pragma once

#include <certgate/core/CaProfile.hpp>

#include <string>
#include <string_view>

namespace certgate::core {

/// The card agent's answer (SPEC §5):
/// {"format":"certgate-auth:1","certificate":b64,"algorithm":..,"signature":b64,"agentVersion":..}
struct AuthToken {
    Bytes certificate;
    std::string algorithm;
    Bytes signature;
    std::string agentVersion;
};

inline constexpr std::size_t kMaxTokenBytes = 32 * 1024;

/// Strict parse: JSON object with exactly the known members, the right format string, an
/// allowed algorithm, canonical base64, sizes within limits. Throws Error(MalformedToken).
AuthToken parseAuthToken(std::string_view json);

/// SHA256(origin) || SHA256(nonce): the 64 bytes the card signs.
Bytes signedData(std::string_view origin, std::string_view nonce);

/// Strict standard base64 (RFC 4648 §4, padded, no whitespace); nullopt when not canonical.
std::optional<Bytes> decodeBase64Strict(std::string_view text);
std::string encodeBase64(const Bytes& bytes);

} // namespace certgate::core
