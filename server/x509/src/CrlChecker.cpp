#include "CrlChecker.hpp"

#include "Asn1Text.hpp"
#include "CertificateParser.hpp"
#include "OpenSslError.hpp"
#include "RevocationMetrics.hpp"

#include <certgate/core/Error.hpp>

#include <openssl/err.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <variant>
#include <vector>

namespace certgate::x509 {

/// A CRL that verified with one issuer's key, with what deciding on it needs.
struct CrlChecker::Entry {
    ossl::X509Crl crl;
    std::int64_t thisUpdate = 0;
    std::int64_t nextUpdate = std::numeric_limits<std::int64_t>::min(); ///< min: none given
    bool onlyOtherCertificates = false; ///< IDP onlyContainsCACerts / AttributeCerts
    bool partialReasons = false; ///< IDP onlySomeReasons
    std::vector<std::string> scopeUrls; ///< IDP distributionPoint URIs; empty: whole CA
};

namespace {

using Entry = CrlChecker::Entry;
using Prepared = std::variant<std::shared_ptr<const Entry>, std::string>;

struct Source {
    std::string name;
    X509_CRL* preloaded = nullptr; ///< a profile file, or null for a URL
    std::string url;
};

int timeoutOf(const core::RevocationSettings& settings)
{
    return std::clamp(settings.crlTimeoutMs, 100, 60'000);
}

std::string issuerKey(X509* issuer)
{
    auto ski = subjectKeyId(issuer);
    if (!ski.empty())
        return ski;
    // A CA without SKI (old roots): key it by the SHA-1 of its public key instead.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_pubkey_digest(issuer, EVP_sha1(), digest, &length) != 1)
        return "unknown";
    return "KEY-" + asn1::hexUpper(digest, length);
}

std::vector<std::string> uris(const GENERAL_NAMES* names)
{
    std::vector<std::string> out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_URI)
            if (auto uri = asn1::utf8(name->d.uniformResourceIdentifier))
                out.push_back(*uri);
    }
    return out;
}

// Checks a CRL against the issuing CA once; the result is cached, so the signature is
// verified once per CRL and CA, not once per login.
Prepared prepare(X509_CRL* crl, X509* issuer)
{
    ERR_clear_error();
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
        return std::string("issued by another CA");
    int critical = -1;
    std::unique_ptr<AUTHORITY_KEYID, ossl::Deleter<AUTHORITY_KEYID_free>> akid(
        static_cast<AUTHORITY_KEYID*>(
            X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &critical, nullptr)));
    if (!akid && critical != -1)
        return std::string("authorityKeyIdentifier does not decode");
    const auto crlKey = akid ? asn1::hexUpper(akid->keyid) : std::string {};
    const auto caKey = subjectKeyId(issuer);
    // Same-DN generations (MOICA G2/G3) differ only here and in the signature.
    if (!crlKey.empty() && !caKey.empty() && crlKey != caKey)
        return "issued by key " + crlKey + ", not the CA's key " + caKey;
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (!key || X509_CRL_verify(crl, key) != 1)
        return withOpenSslErrors("signature does not verify with the CA's key");
    if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
        return std::string("a delta CRL, not a complete one");

    auto entry = std::make_shared<Entry>();
    X509_CRL_up_ref(crl);
    entry->crl.reset(crl);
    auto thisUpdate = asn1::epochSeconds(X509_CRL_get0_lastUpdate(crl));
    if (!thisUpdate)
        return std::string("thisUpdate does not decode");
    entry->thisUpdate = *thisUpdate;
    if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl)) {
        auto nextUpdate = asn1::epochSeconds(next);
        if (!nextUpdate)
            return std::string("nextUpdate does not decode");
        entry->nextUpdate = *nextUpdate;
    }
    critical = -1;
    ossl::IssuingDistPoint idp(static_cast<ISSUING_DIST_POINT*>(
        X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical, nullptr)));
    if (!idp && critical != -1)
        return std::string("issuingDistributionPoint does not decode");
    if (idp) {
        if (idp->indirectCRL)
            return std::string("an indirect CRL (not supported)");
        entry->onlyOtherCertificates = idp->onlyCA > 0 || idp->onlyattr > 0;
        entry->partialReasons = idp->onlysomereasons != nullptr;
        if (idp->distpoint && idp->distpoint->type == 0)
            entry->scopeUrls = uris(idp->distpoint->name.fullname);
    }
    // One lookup makes OpenSSL sort the revoked list (100k+ entries for MOICA) now, while
    // the CRL is loaded, instead of during a login.
    X509_REVOKED* ignored = nullptr;
    if (ASN1_INTEGER* zero = ASN1_INTEGER_new()) {
        ASN1_INTEGER_set(zero, 0);
        X509_CRL_get0_by_serial(crl, &ignored, zero);
        ASN1_INTEGER_free(zero);
    }
    ERR_clear_error();
    return entry;
}

std::optional<std::string> outOfScope(const Entry& entry, const std::vector<std::string>& leafCrldp)
{
    if (entry.onlyOtherCertificates)
        return "covers only CA or attribute certificates";
    if (entry.partialReasons)
        return "covers only some revocation reasons";
    if (!entry.scopeUrls.empty()) {
        const bool covered
            = std::any_of(leafCrldp.begin(), leafCrldp.end(), [&](const std::string& url) {
                  return std::find(entry.scopeUrls.begin(), entry.scopeUrls.end(), url)
                      != entry.scopeUrls.end();
              });
        if (!covered)
            return "a partition that does not cover this certificate";
    }
    return std::nullopt;
}

std::string reasonOf(X509_REVOKED* revoked)
{
    int critical = -1;
    ossl::Asn1Enumerated reason(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, &critical, nullptr)));
    if (!reason)
        return "unspecified";
    return OCSP_crl_reason_str(ASN1_ENUMERATED_get(reason.get()));
}

} // namespace

CrlChecker::CrlChecker(const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher)
    : clock_(clock)
    , fetcher_(std::move(fetcher))
{
}

CrlChecker::~CrlChecker() = default;

std::shared_ptr<const CrlChecker::Entry> CrlChecker::cached(const std::string& key) const
{
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    return it == cache_.end() ? nullptr : it->second;
}

void CrlChecker::store(const std::string& key, std::shared_ptr<const Entry> entry) const
{
    std::lock_guard lock(mutex_);
    cache_[key] = std::move(entry);
}

core::RevocationResult CrlChecker::check(const ProfileState& state, X509* leaf, X509* issuer) const
{
    core::RevocationResult result;
    result.method = "crl";
    result.status = core::RevocationResult::Status::Unknown;
    const auto& settings = state.profile.revocation;
    const auto leafCrldp = crlDistributionUrls(leaf);

    std::vector<Source> sources;
    for (const auto& file : state.crlFiles)
        sources.push_back({ file.source, file.crl.get(), {} });
    for (const auto& url : settings.crlUrls.empty() ? leafCrldp : settings.crlUrls)
        sources.push_back({ url, nullptr, url });
    if (sources.empty()) {
        result.detail = "no CRL: the profile names no CRL file or URL and the certificate has no "
                        "CRL distribution point";
        return result;
    }

    const auto now = clock_.now();
    const auto skew = std::max(0, settings.clockSkewSeconds);
    const auto key = issuerKey(issuer);
    std::vector<std::string> problems;
    for (const auto& source : sources) {
        const auto cacheKey = key + "\n" + source.name;
        auto entry = cached(cacheKey);
        // Files never change: once verified, only a URL is worth fetching again.
        if (!entry || (now >= entry->nextUpdate && !source.preloaded)) {
            std::string why;
            std::vector<ossl::X509Crl> fetched;
            std::vector<X509_CRL*> candidates;
            if (source.preloaded) {
                candidates.push_back(source.preloaded);
            } else {
                try {
                    auto response = fetcher_->get(source.url, timeoutOf(settings));
                    if (response.status != 200)
                        why = "HTTP status " + std::to_string(response.status);
                    else
                        fetched = loadCrls(response.body);
                    if (why.empty() && fetched.empty())
                        why = "not a CRL";
                } catch (const HttpError& e) {
                    why = e.what();
                }
                countRevocationFetch(state.profile.id, "crl", why.empty());
                for (const auto& crl : fetched)
                    candidates.push_back(crl.get());
            }
            std::shared_ptr<const Entry> fresh;
            for (X509_CRL* candidate : candidates) {
                auto prepared = prepare(candidate, issuer);
                if (auto* ok = std::get_if<std::shared_ptr<const Entry>>(&prepared)) {
                    fresh = *ok;
                    break;
                }
                why = std::get<std::string>(prepared);
            }
            if (fresh) {
                // A newer CRL replaces the cached one; a failed refresh keeps the old one,
                // which still counts as stale below.
                store(cacheKey, fresh);
                touchRevocationCache(state.profile.id, "crl");
                entry = fresh;
            } else if (!entry) {
                problems.push_back(source.name + ": " + why);
                continue;
            }
        }
        if (entry->nextUpdate == std::numeric_limits<std::int64_t>::min()) {
            problems.push_back(source.name + ": has no nextUpdate");
            continue;
        }
        if (now >= entry->nextUpdate) {
            problems.push_back(
                source.name + ": stale (nextUpdate " + asn1::isoTime(entry->nextUpdate) + ")");
            continue;
        }
        if (entry->thisUpdate > now + skew) {
            problems.push_back(source.name + ": thisUpdate " + asn1::isoTime(entry->thisUpdate)
                + " is in the future");
            continue;
        }
        if (auto why = outOfScope(*entry, leafCrldp)) {
            problems.push_back(source.name + ": " + *why);
            continue;
        }
        X509_REVOKED* revoked = nullptr;
        const int found
            = X509_CRL_get0_by_serial(entry->crl.get(), &revoked, X509_get0_serialNumber(leaf));
        ERR_clear_error();
        if (found == 1) {
            result.status = core::RevocationResult::Status::Revoked;
            result.revokedAt
                = asn1::epochSeconds(X509_REVOKED_get0_revocationDate(revoked)).value_or(0);
            result.reason = reasonOf(revoked);
            result.detail = "listed in the CRL from " + source.name + " (revoked "
                + asn1::isoTime(result.revokedAt) + ", " + result.reason + ")";
        } else {
            result.status = core::RevocationResult::Status::Good;
            result.detail = "not listed in the CRL from " + source.name + " (next update "
                + asn1::isoTime(entry->nextUpdate) + ")";
        }
        return result;
    }
    result.detail = "no usable CRL for issuer key " + key + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i)
        result.detail += (i ? "; " : "") + problems[i];
    return result;
}

} // namespace certgate::x509
