#pragma once

#include <certgate/core/CaProfile.hpp>
#include <certgate/core/CertificateValidator.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/x509/HttpFetcher.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::x509 {

/// core::CertificateValidator on OpenSSL 3 (SPEC §5 "Further rules").
///
/// - A leaf is claimed by the profile whose `issuerKeyIds` hold its authority key identifier;
///   one listed in any profile's `deniedIssuerKeyIds` (a test CA) is refused first.
/// - The path is built by OpenSSL with that profile's anchors as the only trusted
///   certificates and its intermediates as the only candidates, matching issuers by key
///   identifier, so same-DN generations (GRCA G1/G2, MOICA G1/G2/G3) never substitute for
///   one another.
/// - Validity of every certificate in the path is judged at ValidationOptions::at; the
///   freshness of CRLs and OCSP answers, and OCSP responder certificates, by the clock.
/// - CRLs (profile files, profile URLs or the leaf's CRLDP) are verified against the
///   issuing CA's key and cached per issuer and source until their nextUpdate.
///
/// Built once; every const member is safe to call from many threads at once.
class OpenSslCertificateValidator final : public core::CertificateValidator {
public:
    static constexpr std::size_t kMaxCertificateBytes = 16 * 1024;

    /// Parses every profile's anchors, intermediates, CRL files and pinned OCSP responder.
    /// Throws std::runtime_error naming the profile and the file for anything unreadable, a
    /// profile without anchors, a malformed key identifier, or a key identifier two profiles
    /// both claim. `fetcher` null: a PocoHttpFetcher. `clock` must outlive the validator.
    /// `decodedCertificateCache`: how many recently seen certificates stay decoded (OpenSSL
    /// 3.0 takes about half a millisecond to decode one); 0 decodes every time.
    OpenSslCertificateValidator(std::vector<core::CaProfile> profiles, const core::Clock& clock,
        std::shared_ptr<const HttpFetcher> fetcher = nullptr,
        std::size_t decodedCertificateCache = 1024);
    ~OpenSslCertificateValidator() override;
    OpenSslCertificateValidator(const OpenSslCertificateValidator&) = delete;
    OpenSslCertificateValidator& operator=(const OpenSslCertificateValidator&) = delete;

    plugin::CertificateView parse(std::span<const std::uint8_t> der) const override;
    core::ChainResult validate(
        const plugin::CertificateView& leaf, const core::ValidationOptions& options) const override;
    void verifySignature(const plugin::CertificateView& leaf, std::string_view algorithm,
        std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) const override;
    core::Bytes cmsSignerCertificate(std::span<const std::uint8_t> cms) const override;
    void verifyCmsSignature(const plugin::CertificateView& signer,
        std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content) const override;

    /// Path building alone, with a named profile's anchors and intermediates and no claim,
    /// validity, usage or revocation check (inspect-cert diagnostics, tests of CA
    /// certificates). `error` is empty when a path was built.
    struct Path {
        std::vector<std::string> subjects; ///< RFC 4514, certificate first, anchor last
        std::vector<std::string> keyIds; ///< subject key identifiers, same order
        std::string error; ///< OpenSSL's reason, English
    };
    Path buildPath(const plugin::CertificateView& certificate, std::string_view profileId) const;

    const std::vector<core::CaProfile>& profiles() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Splits the contents of a certificate file (PEM with one or more certificates, or one DER
/// certificate) into DER certificates. Throws core::Error(CertMalformed) when nothing
/// usable is found.
std::vector<core::Bytes> readCertificates(std::span<const std::uint8_t> contents);

} // namespace certgate::x509
