#pragma once

#include "ProfileState.hpp"

#include <certgate/core/CertificateValidator.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/x509/HttpFetcher.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace certgate::x509 {

/// Revocation by OCSP (RFC 6960, SPEC §5): one request for the leaf to the profile's pinned
/// URL or the leaf's AIA responder; the answer must be successful, signed by the issuing CA,
/// by a responder the CA delegated to (id-kp-OCSPSigning, issued by the CA, valid now) or by
/// the profile's pinned responder, carry exactly one answer for the leaf, and be fresh by the
/// clock. Where the profile allows (ocspCacheSeconds), good and revoked answers are reused
/// until that many seconds have passed, the answer's nextUpdate, or its maximum age, whichever
/// comes first; inconclusive answers are never reused. Thread-safe.
class OcspChecker {
public:
    static constexpr std::size_t kMaxCachedAnswers = 100'000;

    OcspChecker(const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher);

    /// status Good, Revoked or Unknown (anything inconclusive, with why); method "ocsp".
    core::RevocationResult check(const ProfileState& profile, X509* leaf, X509* issuer) const;

private:
    struct Cached {
        core::RevocationResult result;
        std::int64_t storedAt = 0;
        std::int64_t until = 0;
    };

    /// One round trip about `id` (null if it could not be built); `reusableUntil` gets how
    /// long a conclusive answer stays fresh.
    core::RevocationResult ask(const ProfileState& profile, X509* leaf, X509* issuer,
        const OCSP_CERTID* id, std::int64_t& reusableUntil) const;
    void remember(const std::string& key, const core::RevocationResult& result, std::int64_t now,
        std::int64_t until) const;

    const core::Clock& clock_;
    std::shared_ptr<const HttpFetcher> fetcher_;
    mutable std::mutex cacheMutex_;
    /// profile id + DER CertID (hash algorithm, issuer name and key hashes, serial)
    mutable std::unordered_map<std::string, Cached> cache_;
};

} // namespace certgate::x509
