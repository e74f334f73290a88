#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::agent {

using Bytes = std::vector<std::uint8_t>;

std::string base64Encode(const Bytes& data);
/// Standard base64 with padding; nullopt when malformed.
std::optional<Bytes> base64Decode(std::string_view text);
/// Lower-case hex (PKCS#11 CKA_ID form, e.g. "01").
std::string hexEncode(const std::uint8_t* data, std::size_t size);
std::optional<Bytes> hexDecode(std::string_view text);
/// A certificate serial as SPEC §3.2 shows it: uppercase hex, no separators, no leading zeros
/// ("0" for zero, "-" prefix for the negative serials a few old CAs issued).
std::string formatSerial(const Bytes& bigEndianMagnitude, bool negative = false);

} // namespace certgate::agent
