#include "OcspChecker.hpp"

#include "Asn1Text.hpp"
#include "CertificateParser.hpp"
#include "OpenSslError.hpp"
#include "RevocationMetrics.hpp"

#include <certgate/core/Error.hpp>

#include <openssl/err.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace certgate::x509 {
namespace {

using Status = core::RevocationResult::Status;

std::optional<std::string> responderUrl(const core::RevocationSettings& settings, X509* leaf)
{
    if (!settings.ocspUrl.empty())
        return settings.ocspUrl;
    for (const auto& url : ocspUrls(leaf))
        if (url.rfind("http://", 0) == 0)
            return url;
    return std::nullopt;
}

bool validAt(X509* certificate, std::int64_t now)
{
    try {
        const auto times = validity(certificate);
        return times.notBefore <= now && now <= times.notAfter;
    } catch (const core::Error&) {
        return false;
    }
}

// RFC 6960 §4.2.2.2: the CA itself, or a responder the CA issued a certificate with
// id-kp-OCSPSigning to; or, by local configuration, the profile's pinned responder.
std::optional<std::string> authorisation(X509* signer, X509* issuer, X509* pinned, std::int64_t now)
{
    if (X509_cmp(signer, issuer) == 0)
        return "the CA";
    if (pinned && X509_cmp(signer, pinned) == 0)
        return "the pinned responder";
    if (X509_check_issued(issuer, signer) != X509_V_OK)
        return std::nullopt;
    EVP_PKEY* caKey = X509_get0_pubkey(issuer);
    if (!caKey || X509_verify(signer, caKey) != 1)
        return std::nullopt;
    if (!(X509_get_extension_flags(signer) & EXFLAG_XKUSAGE)
        || !(X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN))
        return std::nullopt;
    if (!validAt(signer, now))
        return std::nullopt;
    return "a responder delegated by the CA";
}

std::string statusText(int status)
{
    return OCSP_response_status_str(status);
}

} // namespace

OcspChecker::OcspChecker(const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher)
    : clock_(clock)
    , fetcher_(std::move(fetcher))
{
}

core::RevocationResult OcspChecker::check(const ProfileState& state, X509* leaf, X509* issuer) const
{
    const auto cacheSeconds = std::max(0, state.profile.revocation.ocspCacheSeconds);
    ossl::OcspCertId id(OCSP_cert_to_id(nullptr, leaf, issuer));
    std::string key;
    if (cacheSeconds > 0 && id) {
        unsigned char* der = nullptr;
        const int length = i2d_OCSP_CERTID(id.get(), &der);
        ERR_clear_error();
        if (length > 0) {
            ossl::Memory owner(der);
            key = state.profile.id + '\n';
            key.append(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
        }
    }
    const auto now = clock_.now();
    if (!key.empty()) {
        std::lock_guard lock(cacheMutex_);
        auto found = cache_.find(key);
        if (found != cache_.end() && found->second.storedAt <= now && now < found->second.until) {
            auto result = found->second.result;
            result.detail += " (answer of " + asn1::isoTime(found->second.storedAt)
                + ", reused until " + asn1::isoTime(found->second.until) + ")";
            return result;
        }
    }
    std::int64_t reusableUntil = 0;
    auto result = ask(state, leaf, issuer, id.get(), reusableUntil);
    countRevocationFetch(state.profile.id, "ocsp", result.status != Status::Unknown);
    if (!key.empty() && result.status != Status::Unknown) {
        remember(key, result, now, std::min(now + cacheSeconds, reusableUntil));
        touchRevocationCache(state.profile.id, "ocsp");
    }
    return result;
}

void OcspChecker::remember(const std::string& key, const core::RevocationResult& result,
    std::int64_t now, std::int64_t until) const
{
    if (until <= now)
        return;
    std::lock_guard lock(cacheMutex_);
    if (cache_.size() >= kMaxCachedAnswers && !cache_.contains(key)) {
        std::erase_if(cache_, [&](const auto& entry) { return entry.second.until <= now; });
        if (cache_.size() >= kMaxCachedAnswers)
            cache_.clear();
    }
    cache_[key] = Cached { result, now, until };
}

core::RevocationResult OcspChecker::ask(const ProfileState& state, X509* leaf, X509* issuer,
    const OCSP_CERTID* id, std::int64_t& reusableUntil) const
{
    core::RevocationResult result;
    result.method = "ocsp";
    result.status = Status::Unknown;
    const auto& settings = state.profile.revocation;
    auto unknown = [&](const std::string& why) {
        result.detail = withOpenSslErrors(why);
        return result;
    };
    ERR_clear_error();

    const auto url = responderUrl(settings, leaf);
    if (!url)
        return unknown(
            "no OCSP responder: none pinned and no http:// URL in the certificate's AIA");

    ossl::OcspRequest request(OCSP_REQUEST_new());
    if (!id || !request)
        return unknown("cannot build the OCSP request");
    OCSP_CERTID* requestId = OCSP_CERTID_dup(id);
    if (!requestId || !OCSP_request_add0_id(request.get(), requestId)) {
        OCSP_CERTID_free(requestId);
        return unknown("cannot build the OCSP request");
    }
    if (OCSP_request_add1_nonce(request.get(), nullptr, -1) != 1)
        return unknown("cannot add a nonce to the OCSP request");
    unsigned char* encoded = nullptr;
    const int encodedLength = i2d_OCSP_REQUEST(request.get(), &encoded);
    if (encodedLength <= 0)
        return unknown("cannot encode the OCSP request");
    ossl::Memory encodedOwner(encoded);

    HttpResponse http;
    try {
        http = fetcher_->post(*url,
            std::span<const std::uint8_t>(encoded, static_cast<std::size_t>(encodedLength)),
            "application/ocsp-request", std::clamp(settings.ocspTimeoutMs, 100, 60'000));
    } catch (const HttpError& e) {
        return unknown(std::string("OCSP responder ") + *url + ": " + e.what());
    }
    if (http.status != 200)
        return unknown("OCSP responder " + *url + " answered HTTP " + std::to_string(http.status));

    const unsigned char* p = http.body.data();
    ossl::OcspResponse response(
        d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(http.body.size())));
    if (!response || p != http.body.data() + http.body.size())
        return unknown("OCSP answer from " + *url + " does not decode");
    const int responseStatus = OCSP_response_status(response.get());
    if (responseStatus != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        return unknown("OCSP responder " + *url + " answered " + statusText(responseStatus));
    ossl::OcspBasicResponse basic(OCSP_response_get1_basic(response.get()));
    if (!basic)
        return unknown("OCSP answer is not a basic response");

    ossl::X509Stack extra(sk_X509_new_null());
    if (!extra || !sk_X509_push(extra.get(), ossl::share(issuer).release())
        || (state.ocspResponder
            && !sk_X509_push(extra.get(), ossl::share(state.ocspResponder.get()).release())))
        return unknown("out of memory");
    X509* signer = nullptr;
    if (OCSP_resp_get0_signer(basic.get(), &signer, extra.get()) != 1 || !signer)
        return unknown("the OCSP answer's signer certificate is neither in the answer nor known");
    const auto now = clock_.now();
    const auto who = authorisation(signer, issuer, state.ocspResponder.get(), now);
    if (!who)
        return unknown("the OCSP answer is signed by " + subjectText(signer)
            + ", which is neither the CA nor a responder it authorised");
    // Only the signature is left for OpenSSL: the signer is already judged above, with the
    // injected clock, so its own chain search (system time, default trust) is switched off.
    ossl::X509Stack onlySigner(sk_X509_new_null());
    if (!onlySigner || !sk_X509_push(onlySigner.get(), ossl::share(signer).release()))
        return unknown("out of memory");
    if (OCSP_basic_verify(basic.get(), onlySigner.get(), state.anchors.get(),
            OCSP_NOINTERN | OCSP_TRUSTOTHER | OCSP_NOVERIFY)
        <= 0)
        return unknown("the OCSP answer's signature does not verify");
    if (OCSP_check_nonce(request.get(), basic.get()) == 0)
        return unknown("the OCSP answer carries another request's nonce");

    OCSP_SINGLERESP* single = nullptr;
    int matches = 0;
    for (int i = 0; i < OCSP_resp_count(basic.get()); ++i) {
        OCSP_SINGLERESP* candidate = OCSP_resp_get0(basic.get(), i);
        if (OCSP_id_cmp(OCSP_SINGLERESP_get0_id(candidate), id) == 0) {
            single = candidate;
            ++matches;
        }
    }
    if (matches != 1)
        return unknown("the OCSP answer holds " + std::to_string(matches)
            + " responses for this certificate, not exactly one");

    int reason = -1;
    ASN1_GENERALIZEDTIME* revokedAt = nullptr;
    ASN1_GENERALIZEDTIME* thisUpdate = nullptr;
    ASN1_GENERALIZEDTIME* nextUpdate = nullptr;
    const int certStatus
        = OCSP_single_get0_status(single, &reason, &revokedAt, &thisUpdate, &nextUpdate);
    const auto skew = std::max(0, settings.clockSkewSeconds);
    const auto produced = asn1::epochSeconds(thisUpdate);
    if (!produced)
        return unknown("the OCSP answer has no readable thisUpdate");
    if (*produced > now + skew)
        return unknown(
            "the OCSP answer's thisUpdate " + asn1::isoTime(*produced) + " is in the future");
    if (now - *produced > std::max(0, settings.ocspMaxAgeSeconds))
        return unknown("the OCSP answer from " + asn1::isoTime(*produced) + " is older than "
            + std::to_string(settings.ocspMaxAgeSeconds) + " s");
    reusableUntil = *produced + std::max(0, settings.ocspMaxAgeSeconds);
    if (nextUpdate) {
        const auto next = asn1::epochSeconds(nextUpdate);
        if (!next || *next + skew < now)
            return unknown("the OCSP answer is past its nextUpdate");
        reusableUntil = std::min(reusableUntil, *next);
    }

    switch (certStatus) {
    case V_OCSP_CERTSTATUS_GOOD:
        result.status = Status::Good;
        result.detail = "good according to " + *url + " (signed by " + *who + ")";
        break;
    case V_OCSP_CERTSTATUS_REVOKED:
        result.status = Status::Revoked;
        result.revokedAt = asn1::epochSeconds(revokedAt).value_or(0);
        result.reason = reason >= 0 ? OCSP_crl_reason_str(reason) : "unspecified";
        result.detail = "revoked " + asn1::isoTime(result.revokedAt) + " (" + result.reason
            + ") according to " + *url;
        break;
    default:
        result.detail = "the OCSP responder " + *url + " does not know this certificate";
        break;
    }
    ERR_clear_error();
    return result;
}

} // namespace certgate::x509
