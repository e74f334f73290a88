#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

// Small conversions from OpenSSL's ASN.1 types to the plain text and numbers of
// plugin::CertificateView. None of them throws; failures are empty optionals.
namespace certgate::x509::asn1 {

std::string hexUpper(const unsigned char* data, std::size_t size);
std::string hexUpper(const ASN1_STRING* octets); ///< "" for null
/// Dotted OID, never a name ("2.5.4.3", not "commonName").
std::string oidText(const ASN1_OBJECT* object);
/// UTF-8 of any ASN.1 string type (BMPString, T61String, ...).
std::optional<std::string> utf8(const ASN1_STRING* text);
/// Seconds since the Unix epoch, UTC, for any year UTCTime or GeneralizedTime can hold.
std::optional<std::int64_t> epochSeconds(const ASN1_TIME* time);
/// YYYYMMDDHHMMSSZ.
std::optional<std::string> timeText(const ASN1_TIME* time);
/// RFC 4514 form with UTF-8 left readable (no \\XX escapes for non-ASCII).
std::optional<std::string> rfc4514(const X509_NAME* name);
/// Uppercase hex without separators or leading zeros ("0" for zero, "-" prefix if negative).
std::optional<std::string> serialHex(const ASN1_INTEGER* serial);
/// Uppercase hex, ':' and spaces removed; nullopt when not an even-length hex string.
std::optional<std::string> normaliseKeyId(const std::string& text);
/// "2024-01-02T03:04:05Z" for log details.
std::string isoTime(std::int64_t epochSeconds);

} // namespace certgate::x509::asn1
