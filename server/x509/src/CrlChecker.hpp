#pragma once

#include "ProfileState.hpp"

#include <certgate/core/CertificateValidator.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/x509/HttpFetcher.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace certgate::x509 {

/// Revocation by CRL (SPEC §5): the profile's CRL files first, then its CRL URLs or, when it
/// names none, the leaf's CRL distribution points. A CRL counts only when it was issued under
/// the issuing CA's name and verifies with that CA's key, covers the leaf (issuingDistribution
/// Point scope), is complete (no delta) and is fresh by the clock. Verified CRLs are cached
/// per issuer key and source until their nextUpdate. Thread-safe.
class CrlChecker {
public:
    CrlChecker(const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher);
    ~CrlChecker();

    /// status Good, Revoked (with date and reason) or Unknown (with why); method "crl".
    core::RevocationResult check(const ProfileState& profile, X509* leaf, X509* issuer) const;

    struct Entry;

private:
    std::shared_ptr<const Entry> cached(const std::string& key) const;
    void store(const std::string& key, std::shared_ptr<const Entry> entry) const;

    const core::Clock& clock_;
    std::shared_ptr<const HttpFetcher> fetcher_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::shared_ptr<const Entry>> cache_;
};

} // namespace certgate::x509
