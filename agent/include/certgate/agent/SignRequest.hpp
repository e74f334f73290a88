#pragma once

#include <certgate/agent/SecretBuffer.hpp>

#include <cstddef>
#include <string>

namespace certgate::agent {

inline constexpr std::size_t maxRequestBody = 16 * 1024;

/// POST /v1/sign body, validated. The PIN only ever lives in `pin`.
struct SignRequest {
    std::string token;
    std::string nonce;
    SecretBuffer pin;
    std::string keyId; ///< lower-case hex, empty = the token's signing key
};

/// Parses and validates the JSON body; throws AgentError(BadRequest) with the offending field in
/// the facts ("field") and never the PIN. Wipes what it can of the PIN's copies inside the
/// parser; the caller wipes `body`.
SignRequest parseSignRequest(const std::string& body);

/// PIN 4–16 characters, digits or printable ASCII (no spaces or control characters).
bool validPin(std::string_view pin);
/// The server's nonce: base64 or base64url, 16–1024 characters.
bool validNonce(std::string_view nonce);
/// A token label: 1–32 bytes (CK_TOKEN_INFO.label), no control characters.
bool validTokenLabel(std::string_view label);

} // namespace certgate::agent
