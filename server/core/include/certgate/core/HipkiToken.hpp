#pragma once

#include <certgate/core/CaProfile.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace certgate::core {

/// A HiPKI Local Server MakeSignature answer as the portal passes it on (docs/token-hipki.md):
///   {"format":"hipki-sign:1","signatureType":"PKCS7","signature":b64}
///   {"format":"hipki-sign:1","signatureType":"PKCS1","hashAlgorithm":"SHA256",
///    "signature":b64,"certificate":b64}
struct HipkiToken {
    enum class Type { Pkcs7, Pkcs1 };
    Type type = Type::Pkcs7;
    /// PKCS7: the DER CMS SignedData; PKCS1: the bare RSASSA-PKCS1-v1_5 signature.
    Bytes signature;
    /// PKCS1: SHA256 | SHA384 | SHA512 (SHA1 is refused). PKCS7 names its own digest.
    std::string hashAlgorithm;
    /// PKCS1: the certificate the token names. PKCS7: empty until CardVerifier takes the
    /// signer's certificate out of the CMS (a PKCS7 token may not name one of its own).
    Bytes certificate;
};

/// Strict parse, as parseAuthToken: MALFORMED_TOKEN for anything else.
HipkiToken parseHipkiToken(std::string_view json);

/// The text a HiPKI signature must cover, byte for byte, built from trusted values only: the
/// configured origin, the flow's type, the card step (nonce purpose), the stored nonce and its
/// issue time. It holds only characters encodeURIComponent and form encoding leave alone, so
/// it reaches the card unchanged however the page and HiPKI encode it:
///   certgate-hipki-1~https~portal.example.gov.tw~8443~first-registration~organisation~
///   20250101T080000Z~<nonce as unpadded base64url>            (one line, no spaces)
/// Throws Error(InternalError) for an origin or name that cannot be written so.
std::string hipkiToBeSigned(std::string_view origin, std::string_view flowType,
    std::string_view step, std::string_view nonce, std::int64_t issuedAt);

} // namespace certgate::core
