#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The signatures HiPKI Local Server makes (/work/shared/reference/hipki-protocol.md §3), with
// OpenSSL's CMS API over any EVP_PKEY: the double's card key from libp11, or a key file in the
// verifier's unit tests. The knobs past `cardSerialNumber` make hostile variants that HiPKI
// itself never makes.
namespace certgate::test::hipki {

using Bytes = std::vector<std::uint8_t>;

struct Pkcs7Options {
    const EVP_MD* digest = nullptr; ///< null = SHA-256
    std::optional<std::string> nonce; ///< signed attribute 1.2.840.113549.1.9.25.3
    std::optional<std::string> cardSerialNumber; ///< signed attribute 2.16.886.1.100.2.204

    bool detached = false; ///< HiPKI encapsulates the tbs
    bool signedAttributes = true; ///< false: the signature covers the content directly
    bool includeSignerCertificate = true;
    std::vector<X509*> otherCertificates; ///< carried besides (or instead of) the signer's
    std::vector<std::pair<EVP_PKEY*, X509*>> extraSigners;
    /// Either of these two: attached SHA-256 SignedData whose signed attributes lack the
    /// messageDigest, or hold this one instead, validly signed all the same (other knobs unused).
    bool dropMessageDigest = false;
    std::optional<Bytes> messageDigest;
};

/// DER CMS SignedData over `content`, as HiPKI's PKCS7 (SignedData, issuerAndSerialNumber,
/// signed attributes contentType, signingTime, messageDigest, only the signer certificate).
/// Throws std::runtime_error with OpenSSL's reason.
Bytes makePkcs7(
    EVP_PKEY* key, X509* certificate, std::string_view content, const Pkcs7Options& options = {});

/// HiPKI's PKCS1: RSASSA-PKCS1-v1_5 over DigestInfo(digest(content)).
Bytes makePkcs1(EVP_PKEY* key, std::string_view content, const EVP_MD* digest);

/// "SHA1" | "SHA256" | "SHA384" | "SHA512" → the digest; null for anything else.
const EVP_MD* digestNamed(std::string_view name);

Bytes certificateDer(X509* certificate);
std::string base64(const Bytes& bytes);

/// The token the portal posts for a HiPKI answer (docs/token-hipki.md).
std::string pkcs7Token(const Bytes& cms);
std::string pkcs1Token(const Bytes& signature, const Bytes& certificate, std::string_view hash);

} // namespace certgate::test::hipki
