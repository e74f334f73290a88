#pragma once

#include "ProfileState.hpp"

#include <certgate/core/CertificateValidator.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/x509/HttpFetcher.hpp>

#include <memory>

namespace certgate::x509 {

/// Revocation by OCSP (RFC 6960, SPEC §5): one request for the leaf to the profile's pinned
/// URL or the leaf's AIA responder; the answer must be successful, signed by the issuing CA,
/// by a responder the CA delegated to (id-kp-OCSPSigning, issued by the CA, valid now) or by
/// the profile's pinned responder, carry exactly one answer for the leaf, and be fresh by the
/// clock. Stateless apart from its collaborators; thread-safe.
class OcspChecker {
public:
    OcspChecker(const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher);

    /// status Good, Revoked or Unknown (anything inconclusive, with why); method "ocsp".
    core::RevocationResult check(const ProfileState& profile, X509* leaf, X509* issuer) const;

private:
    const core::Clock& clock_;
    std::shared_ptr<const HttpFetcher> fetcher_;
};

} // namespace certgate::x509
