#pragma once

#include <certgate/metrics/Metrics.hpp>

#include <string_view>

namespace certgate::x509 {

/// certgate_revocation_fetches_total: CRL downloads and OCSP requests by CA profile, method
/// (crl, ocsp) and result (ok, failed).
inline void countRevocationFetch(std::string_view ca, std::string_view method, bool ok)
{
    static auto& family = metrics::Registry::global().counter("certgate_revocation_fetches_total",
        "Revocation fetches (CRL downloads, OCSP requests) by CA profile, method and result.",
        { "ca", "method", "result" });
    family.with({ ca, method, ok ? "ok" : "failed" }).inc();
}

/// certgate_revocation_cache_age_seconds: seconds since the CA's newest verified CRL or OCSP
/// answer was cached.
inline void touchRevocationCache(std::string_view ca, std::string_view method)
{
    static auto& family = metrics::Registry::global().age("certgate_revocation_cache_age_seconds",
        "Seconds since a verified CRL or OCSP answer of the CA profile was last cached.",
        { "ca", "method" });
    family.with({ ca, method }).touch();
}

} // namespace certgate::x509
