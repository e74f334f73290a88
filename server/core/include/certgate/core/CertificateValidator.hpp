#pragma once

#include <certgate/core/CaProfile.hpp>
#include <certgate/core/ErrorCode.hpp>
#include <certgate/plugin/Types.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::core {

struct RevocationResult {
    enum class Status { Good, Revoked, Unknown, NotChecked };
    Status status = Status::NotChecked;
    std::string method; ///< "ocsp", "crl" or "none"
    std::string detail; ///< English, for logs and inspect-cert
    std::int64_t revokedAt = 0;
    std::string reason;
};

const char* toString(RevocationResult::Status status);

struct ValidationOptions {
    std::int64_t at = 0; ///< the time validity is judged at
    bool checkRevocation = true; ///< false: revocation.status = NotChecked
    std::optional<RevocationMode> revocationOverride; ///< verify-token --revocation
};

/// What the trust checks found. `error` is the first failing check of SPEC §5 among
/// CERT_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_KEY_USAGE, CERT_POLICY,
/// CERT_REVOKED, REVOCATION_UNKNOWN — in that order — or empty when all passed.
struct ChainResult {
    std::string profileId; ///< the profile that claimed the certificate (may be set on error)
    std::vector<std::string> path; ///< subject DNs (RFC 4514), leaf first, anchor last
    std::optional<ErrorCode> error;
    std::string detail; ///< English, for logs
    /// When set, the public message for `error` in place of the catalogue's (zh-TW, English).
    std::string messageZh;
    std::string messageEn;
    /// Subject key identifier of the issuer the certificate names (its AKI), when a known CA
    /// is recognised but its certificate is missing from the profile.
    std::string missingIssuerKeyId;
    RevocationResult revocation;
};

/// Port: X.509 judgement, implemented with OpenSSL by the x509 adapter. Built once from the
/// loaded CA profiles; every const member is thread-safe.
class CertificateValidator {
public:
    virtual ~CertificateValidator() = default;

    /// Parses DER into the plain view plugins read. Throws Error(CertMalformed).
    virtual plugin::CertificateView parse(std::span<const std::uint8_t> der) const = 0;

    /// Claims the certificate for a profile (by the leaf's authority key identifier), builds
    /// the chain by key identifier to that profile's anchors, and checks validity of every
    /// certificate in the path, key usage / extended key usage, policy, key strength and
    /// (optionally) revocation. Never throws for a failed check: the result says which.
    virtual ChainResult validate(
        const plugin::CertificateView& leaf, const ValidationOptions& options) const = 0;

    /// Verifies `signature` (as the agent sends it: raw R||S for ECDSA) over `data` with the
    /// leaf's public key. algorithm: RS256 | PS256 | ES256 | ES384, and RS384 | RS512 for
    /// HiPKI's PKCS1. Throws Error(SignatureInvalid) when it does not verify or does not fit
    /// the key.
    virtual void verifySignature(const plugin::CertificateView& leaf, std::string_view algorithm,
        std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) const = 0;

    /// The DER certificate of the one signer of a CMS SignedData (HiPKI's PKCS7,
    /// docs/token-hipki.md), taken from the certificates the CMS carries by the signer's
    /// identifier. Throws Error(MalformedToken) when `cms` is not one DER SignedData with
    /// exactly one signer whose certificate it carries.
    virtual Bytes cmsSignerCertificate(std::span<const std::uint8_t> cms) const = 0;

    /// Verifies the CMS SignedData's one signature with `signer` (the certificate validated,
    /// nothing the CMS carries), and that the content it signs is `content` byte for byte,
    /// encapsulated or detached: content type id-data, digest SHA-256/384/512, signed
    /// attributes (when present) with exactly one content type and one message digest that
    /// matches. Throws Error(SignatureInvalid).
    virtual void verifyCmsSignature(const plugin::CertificateView& signer,
        std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content) const = 0;
};

} // namespace certgate::core
