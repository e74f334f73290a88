#pragma once

#include <certgate/agent/Encoding.hpp>

#include <string>
#include <string_view>

namespace certgate::agent {

/// SPEC §5 signed data: SHA256(origin) || SHA256(nonce), 64 bytes; both taken as the UTF-8
/// bytes exactly as given.
Bytes signedData(std::string_view origin, std::string_view nonce);

/// OpenSSL's DER ECDSA-Sig-Value → JWS-style raw R‖S, each left-padded to `fieldSize` bytes.
/// Throws std::invalid_argument on malformed DER or a component longer than fieldSize.
Bytes ecdsaDerToRaw(const Bytes& der, std::size_t fieldSize);
/// Raw R‖S → DER (what a verifier hands to OpenSSL). Throws on an odd or empty input.
Bytes ecdsaRawToDer(const Bytes& raw);

} // namespace certgate::agent
