#include "Asn1Text.hpp"
#include "CertificateParser.hpp"
#include "CmsVerifier.hpp"
#include "CrlChecker.hpp"
#include "DecodedCertificates.hpp"
#include "OcspChecker.hpp"
#include "OpenSslError.hpp"
#include "ProfileState.hpp"
#include "SignatureVerifier.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <openssl/err.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace certgate::x509 {
namespace {

using core::ErrorCode;
using Status = core::RevocationResult::Status;

constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr const char* kAnyExtendedKeyUsage = "2.5.29.37.0";

std::string fileName(const std::vector<std::string>& paths, std::size_t index, const char* kind)
{
    return index < paths.size() ? paths[index]
                                : std::string(kind) + " #" + std::to_string(index + 1);
}

[[noreturn]] void refuseProfile(const core::CaProfile& profile, const std::string& what)
{
    throw std::runtime_error("CA profile '" + profile.id + "'"
        + (profile.sourceFile.empty() ? std::string() : " (" + profile.sourceFile + ")") + ": "
        + what);
}

std::vector<ossl::X509Ptr> certificatesOf(const core::CaProfile& profile,
    const core::Bytes& contents, const std::string& file, const char* role)
{
    auto certificates = loadCertificates(contents);
    if (certificates.empty())
        refuseProfile(profile,
            std::string(role) + " file '" + file + "' holds no readable PEM or DER certificate");
    for (auto& certificate : certificates)
        if (X509_get_extension_flags(certificate.get()) & EXFLAG_INVALID)
            refuseProfile(profile,
                std::string(role) + " file '" + file
                    + "' holds a certificate with undecodable extensions");
    return certificates;
}

std::vector<std::string> normaliseKeyIds(
    const core::CaProfile& profile, const std::vector<std::string>& ids, const char* field)
{
    std::vector<std::string> out;
    for (const auto& id : ids) {
        auto normal = asn1::normaliseKeyId(id);
        if (!normal)
            refuseProfile(
                profile, std::string(field) + " entry '" + id + "' is not a hex key identifier");
        out.push_back(*normal);
    }
    return out;
}

std::unique_ptr<ProfileState> loadProfile(core::CaProfile profile)
{
    auto state = std::make_unique<ProfileState>();
    if (profile.id.empty())
        refuseProfile(profile, "has no id");
    profile.issuerKeyIds = normaliseKeyIds(profile, profile.issuerKeyIds, "issuerKeyIds");
    profile.deniedIssuerKeyIds
        = normaliseKeyIds(profile, profile.deniedIssuerKeyIds, "deniedIssuerKeyIds");
    for (const auto& policy : profile.policies) {
        ASN1_OBJECT* object = OBJ_txt2obj(policy.c_str(), 1);
        if (!object)
            refuseProfile(profile, "policy '" + policy + "' is not a dotted OID");
        ASN1_OBJECT_free(object);
    }
    ERR_clear_error();

    if (profile.trustAnchors.empty())
        refuseProfile(profile, "has no trust anchors");
    state->anchors.reset(X509_STORE_new());
    state->intermediates.reset(sk_X509_new_null());
    if (!state->anchors || !state->intermediates)
        throw std::bad_alloc();
    // Time is judged by us against ValidationOptions::at, so that an expired card is
    // CERT_EXPIRED and not a chain error.
    state->verifyFlags = X509_V_FLAG_NO_CHECK_TIME;
    for (std::size_t i = 0; i < profile.trustAnchors.size(); ++i) {
        const auto file = fileName(profile.trustAnchorPaths, i, "trust anchor");
        for (auto& anchor :
            certificatesOf(profile, profile.trustAnchors[i], file, "trust anchor")) {
            // An anchor that is not self-issued (a pinned intermediate) ends the path by
            // being trusted, which OpenSSL only accepts with PARTIAL_CHAIN.
            if (X509_check_issued(anchor.get(), anchor.get()) != X509_V_OK)
                state->verifyFlags |= X509_V_FLAG_PARTIAL_CHAIN;
            if (X509_STORE_add_cert(state->anchors.get(), anchor.get()) != 1)
                refuseProfile(
                    profile, withOpenSslErrors("trust anchor '" + file + "' cannot be added"));
        }
    }
    for (std::size_t i = 0; i < profile.intermediates.size(); ++i) {
        const auto file = fileName(profile.intermediatePaths, i, "intermediate");
        for (auto& certificate :
            certificatesOf(profile, profile.intermediates[i], file, "intermediate"))
            if (!sk_X509_push(state->intermediates.get(), certificate.release()))
                throw std::bad_alloc();
    }
    const auto& crlPaths = profile.revocation.crlFilePaths;
    for (std::size_t i = 0; i < profile.revocation.crlFiles.size(); ++i) {
        const auto file = fileName(crlPaths, i, "CRL");
        auto crls = loadCrls(profile.revocation.crlFiles[i]);
        if (crls.empty())
            refuseProfile(profile, "CRL file '" + file + "' holds no readable PEM or DER CRL");
        for (std::size_t n = 0; n < crls.size(); ++n)
            state->crlFiles.push_back({ "file " + file
                    + (crls.size() > 1 ? " (CRL " + std::to_string(n + 1) + ")" : std::string()),
                std::move(crls[n]) });
    }
    if (!profile.revocation.ocspResponder.empty()) {
        auto responders = loadCertificates(profile.revocation.ocspResponder);
        if (responders.size() != 1)
            refuseProfile(
                profile, "the pinned OCSP responder file must hold exactly one certificate");
        state->ocspResponder = std::move(responders.front());
    }
    ERR_clear_error();
    state->profile = std::move(profile);
    return state;
}

struct BuiltChain {
    ossl::X509Stack chain;
    std::string error;
};

// Issuers are found by OpenSSL's X509_check_issued, which requires the authority key
// identifier to match the candidate's subject key identifier when both are present: with
// GRCA G1 and G2 (or MOICA G2 and G3) under one DN, only the right key qualifies, and the
// signature is then verified with it.
BuiltChain buildChain(const ProfileState& state, X509* certificate)
{
    BuiltChain out;
    ERR_clear_error();
    ossl::X509StoreCtx context(X509_STORE_CTX_new());
    if (!context
        || X509_STORE_CTX_init(
               context.get(), state.anchors.get(), certificate, state.intermediates.get())
            != 1) {
        out.error = withOpenSslErrors("cannot set up path building");
        return out;
    }
    X509_STORE_CTX_set_flags(context.get(), state.verifyFlags);
    if (X509_verify_cert(context.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        const int depth = X509_STORE_CTX_get_error_depth(context.get());
        out.error = std::string(X509_verify_cert_error_string(error)) + " at depth "
            + std::to_string(depth);
        if (X509* at = X509_STORE_CTX_get_current_cert(context.get()))
            out.error += " (" + subjectText(at) + ")";
        ERR_clear_error();
        return out;
    }
    out.chain.reset(X509_STORE_CTX_get1_chain(context.get()));
    ERR_clear_error();
    return out;
}

std::string describeCertificate(X509* certificate, int index)
{
    return (
        index == 0 ? std::string("the certificate") : "CA certificate " + subjectText(certificate));
}

std::string keyStrengthProblem(X509* certificate, bool leaf)
{
    const EVP_PKEY* key = X509_get0_pubkey(certificate);
    if (!key)
        return "public key does not decode";
    const int type = EVP_PKEY_get_base_id(key);
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS)
        return EVP_PKEY_get_bits(key) < 2048 ? "RSA key below 2048 bits" : "";
    if (type == EVP_PKEY_EC) {
        if (!leaf)
            return "";
        char name[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, name, sizeof name, &length) != 1)
            return "EC key on an unnamed curve";
        const std::string curve(name, length);
        return curve == "prime256v1" || curve == "secp384r1" ? ""
                                                             : "EC curve " + curve + " not allowed";
    }
    if (!leaf)
        return "";
    return std::string("key type ") + EVP_PKEY_get0_type_name(key) + " not allowed for a card";
}

} // namespace

struct OpenSslCertificateValidator::Impl {
    Impl(const core::Clock& c, std::shared_ptr<const HttpFetcher> f, std::size_t cacheEntries)
        : clock(c)
        , fetcher(f ? std::move(f) : std::make_shared<PocoHttpFetcher>())
        , crl(clock, fetcher)
        , ocsp(clock, fetcher)
        , decoded(cacheEntries, kMaxCertificateBytes)
    {
    }

    const core::Clock& clock;
    std::shared_ptr<const HttpFetcher> fetcher;
    std::vector<std::unique_ptr<ProfileState>> states;
    std::vector<core::CaProfile> profiles;
    std::map<std::string, const ProfileState*> claims; ///< issuer key id -> profile
    std::set<std::string> denied;
    CrlChecker crl;
    OcspChecker ocsp;
    DecodedCertificates decoded;

    /// The profile whose CA this issuer is by name or expected key id (diagnostics only).
    const ProfileState* recognise(const std::string& keyId, const std::string& issuerDn) const
    {
        for (const auto& state : states) {
            const auto& p = state->profile;
            if (std::find(p.issuerNames.begin(), p.issuerNames.end(), issuerDn)
                != p.issuerNames.end())
                return state.get();
            for (const auto& expected : p.expectedIssuingCas)
                if (!expected.keyId.empty() && expected.keyId == keyId)
                    return state.get();
        }
        return nullptr;
    }

    const ProfileState* find(std::string_view id) const
    {
        for (const auto& state : states)
            if (state->profile.id == id)
                return state.get();
        return nullptr;
    }

    core::RevocationResult revocation(
        const ProfileState& state, core::RevocationMode mode, X509* leaf, X509* issuer) const
    {
        switch (mode) {
        case core::RevocationMode::None: {
            core::RevocationResult result;
            result.status = Status::NotChecked;
            result.method = "none";
            result.detail = "revocation mode none";
            return result;
        }
        case core::RevocationMode::Crl:
            return crl.check(state, leaf, issuer);
        case core::RevocationMode::Ocsp:
            return ocsp.check(state, leaf, issuer);
        case core::RevocationMode::OcspThenCrl: {
            auto first = ocsp.check(state, leaf, issuer);
            if (first.status == Status::Good || first.status == Status::Revoked)
                return first;
            auto second = crl.check(state, leaf, issuer);
            second.detail = "OCSP inconclusive (" + first.detail + "); CRL: " + second.detail;
            return second;
        }
        }
        return {};
    }
};

OpenSslCertificateValidator::OpenSslCertificateValidator(std::vector<core::CaProfile> profiles,
    const core::Clock& clock, std::shared_ptr<const HttpFetcher> fetcher,
    std::size_t decodedCertificateCache)
    : impl_(std::make_unique<Impl>(clock, std::move(fetcher), decodedCertificateCache))
{
    for (auto& profile : profiles) {
        if (impl_->find(profile.id))
            refuseProfile(profile, "the id is used by another profile too");
        auto state = loadProfile(std::move(profile));
        for (const auto& id : state->profile.issuerKeyIds) {
            auto [it, inserted] = impl_->claims.emplace(id, state.get());
            if (!inserted)
                refuseProfile(state->profile,
                    "issuer key " + id + " is also claimed by profile '" + it->second->profile.id
                        + "'");
        }
        impl_->denied.insert(
            state->profile.deniedIssuerKeyIds.begin(), state->profile.deniedIssuerKeyIds.end());
        impl_->profiles.push_back(state->profile);
        impl_->states.push_back(std::move(state));
    }
}

OpenSslCertificateValidator::~OpenSslCertificateValidator() = default;

const std::vector<core::CaProfile>& OpenSslCertificateValidator::profiles() const
{
    return impl_->profiles;
}

plugin::CertificateView OpenSslCertificateValidator::parse(std::span<const std::uint8_t> der) const
{
    auto certificate = impl_->decoded.get(der);
    auto view = describe(certificate.get(), der);
    ERR_clear_error();
    return view;
}

core::ChainResult OpenSslCertificateValidator::validate(
    const plugin::CertificateView& leafView, const core::ValidationOptions& options) const
{
    core::ChainResult result;
    auto fail = [&](ErrorCode code, std::string detail) {
        result.error = code;
        result.detail = std::move(detail);
        return result;
    };
    // Every decision below reads the DER, never the caller's copy of the fields.
    auto leaf = impl_->decoded.get(leafView.der);

    // a. Claim by authority key identifier; test CAs first, whatever profile they would fit.
    const auto aki = authorityKeyId(leaf.get());
    if (aki.empty())
        return fail(ErrorCode::CertUntrusted, "the certificate has no authority key identifier");
    if (impl_->denied.count(aki))
        return fail(ErrorCode::CertUntrusted, "issued by a test CA (issuer key " + aki + ")");
    auto claim = impl_->claims.find(aki);
    if (claim == impl_->claims.end()) {
        const auto issuer = asn1::rfc4514(X509_get_issuer_name(leaf.get())).value_or("?");
        // A known CA's card whose issuing-CA certificate the bureau has not added: say so, so
        // that nobody takes a production card for a test card.
        if (const ProfileState* known = impl_->recognise(aki, issuer)) {
            const auto& profile = known->profile;
            result.profileId = profile.id;
            result.missingIssuerKeyId = aki;
            result.messageZh = "此憑證由「" + profile.displayNameZh
                + "」簽發，但本系統的設定尚缺該憑證管理中心的 CA 憑證（金鑰識別碼 " + aki
                + "），暫時無法受理；請洽本系統管理單位。";
            result.messageEn = "This certificate was issued by " + profile.displayNameEn
                + ", but this system's configuration lacks that CA's certificate (key identifier "
                + aki + "), so it cannot be accepted yet. Please contact the system's "
                + "administrators.";
            return fail(ErrorCode::CertUntrusted,
                "issuing-CA certificate missing: the issuer " + issuer + " is " + profile.id
                    + "'s, but profile '" + profile.id + "' holds no CA certificate with key id "
                    + aki + " (add it: certgate ca import FILE --apply)");
        }
        return fail(ErrorCode::CertUntrusted,
            "no CA profile accepts issuer key " + aki + " (issuer " + issuer + ")");
    }
    const ProfileState& state = *claim->second;
    result.profileId = state.profile.id;

    // b. Path, by key identifier, to this profile's anchors only.
    auto built = buildChain(state, leaf.get());
    if (!built.chain)
        return fail(ErrorCode::CertUntrusted,
            "no path to a trust anchor of profile '" + state.profile.id + "': " + built.error);
    const int length = sk_X509_num(built.chain.get());
    for (int i = 0; i < length; ++i)
        result.path.push_back(subjectText(sk_X509_value(built.chain.get(), i)));

    // c. Validity of every certificate in the path, leaf first.
    for (int i = 0; i < length; ++i) {
        X509* certificate = sk_X509_value(built.chain.get(), i);
        const auto times = validity(certificate);
        if (times.notAfter < options.at)
            return fail(ErrorCode::CertExpired,
                describeCertificate(certificate, i) + " expired " + asn1::isoTime(times.notAfter)
                    + " (judged at " + asn1::isoTime(options.at) + ")");
        if (times.notBefore > options.at)
            return fail(ErrorCode::CertNotYetValid,
                describeCertificate(certificate, i) + " is valid only from "
                    + asn1::isoTime(times.notBefore) + " (judged at " + asn1::isoTime(options.at)
                    + ")");
    }

    // d. Key usage: a login signs, so digitalSignature; an EKU, when present, must allow
    //    client authentication.
    const auto flags = X509_get_extension_flags(leaf.get());
    if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE))
        return fail(ErrorCode::CertKeyUsage, "keyUsage lacks digitalSignature");
    const auto eku = extendedKeyUsage(leaf.get());
    if (!eku.empty() && std::find(eku.begin(), eku.end(), kClientAuth) == eku.end()
        && std::find(eku.begin(), eku.end(), kAnyExtendedKeyUsage) == eku.end())
        return fail(ErrorCode::CertKeyUsage, "extendedKeyUsage does not allow clientAuth");

    // e. Policy and key strength.
    const auto policies = policyOids(leaf.get());
    const bool allowed = std::any_of(policies.begin(), policies.end(), [&](const std::string& oid) {
        return std::find(state.profile.policies.begin(), state.profile.policies.end(), oid)
            != state.profile.policies.end();
    });
    if (!allowed)
        return fail(ErrorCode::CertPolicy,
            "none of the profile's policies is among the certificate's certificatePolicies");
    for (int i = 0; i < length; ++i) {
        auto problem = keyStrengthProblem(sk_X509_value(built.chain.get(), i), i == 0);
        if (!problem.empty())
            return fail(ErrorCode::CertPolicy,
                i == 0 ? problem
                       : problem + " in "
                        + describeCertificate(sk_X509_value(built.chain.get(), i), i));
    }

    // f. Revocation.
    if (!options.checkRevocation) {
        result.revocation.status = Status::NotChecked;
        result.revocation.method = "none";
        result.revocation.detail = "not asked for";
        return result;
    }
    if (length < 2) {
        result.revocation.status = Status::Unknown;
        result.revocation.detail = "the path has no issuing CA";
        return fail(ErrorCode::RevocationUnknown, result.revocation.detail);
    }
    const auto mode = options.revocationOverride.value_or(state.profile.revocation.mode);
    result.revocation
        = impl_->revocation(state, mode, leaf.get(), sk_X509_value(built.chain.get(), 1));
    ERR_clear_error();
    if (result.revocation.status == Status::Revoked)
        return fail(ErrorCode::CertRevoked, result.revocation.detail);
    if (result.revocation.status == Status::Unknown) {
        if (!state.profile.revocation.failOpen)
            return fail(ErrorCode::RevocationUnknown, result.revocation.detail);
        result.revocation.detail += " (accepted: the profile fails open)";
    }
    return result;
}

void OpenSslCertificateValidator::verifySignature(const plugin::CertificateView& leafView,
    std::string_view algorithm, std::span<const std::uint8_t> data,
    std::span<const std::uint8_t> signature) const
{
    auto leaf = impl_->decoded.get(leafView.der);
    EVP_PKEY* key = X509_get0_pubkey(leaf.get());
    if (!key)
        throw core::Error(
            ErrorCode::CertMalformed, withOpenSslErrors("public key does not decode"));
    verifyChallengeSignature(key, algorithm, data, signature);
}

core::Bytes OpenSslCertificateValidator::cmsSignerCertificate(
    std::span<const std::uint8_t> cms) const
{
    return x509::cmsSignerCertificate(cms);
}

void OpenSslCertificateValidator::verifyCmsSignature(const plugin::CertificateView& signerView,
    std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content) const
{
    auto signer = impl_->decoded.get(signerView.der);
    x509::verifyCmsSignature(signer.get(), cms, content);
}

OpenSslCertificateValidator::Path OpenSslCertificateValidator::buildPath(
    const plugin::CertificateView& certificate, std::string_view profileId) const
{
    Path out;
    const ProfileState* state = impl_->find(profileId);
    if (!state) {
        out.error = "no profile '" + std::string(profileId) + "'";
        return out;
    }
    auto x509 = impl_->decoded.get(certificate.der);
    auto built = buildChain(*state, x509.get());
    if (!built.chain) {
        out.error = built.error;
        return out;
    }
    for (int i = 0; i < sk_X509_num(built.chain.get()); ++i) {
        X509* member = sk_X509_value(built.chain.get(), i);
        out.subjects.push_back(subjectText(member));
        out.keyIds.push_back(subjectKeyId(member));
    }
    return out;
}

std::vector<core::Bytes> readCertificates(std::span<const std::uint8_t> contents)
{
    auto certificates = loadCertificates(contents);
    if (certificates.empty())
        throw core::Error(ErrorCode::CertMalformed, "no PEM or DER certificate found");
    std::vector<core::Bytes> out;
    for (auto& certificate : certificates)
        out.push_back(encode(certificate.get()));
    return out;
}

} // namespace certgate::x509
