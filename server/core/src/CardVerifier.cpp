#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/metrics/Metrics.hpp>

namespace certgate::core {

namespace {

Error fromPluginError(const plugin::PluginError& e)
{
    auto code = errorCodeFromString(e.code());
    return Error(code.value_or(ErrorCode::InternalError), "plugin: " + std::string(e.what()));
}

} // namespace

plugin::Identity CardVerifier::extractIdentity(
    const std::string& ca, const plugin::CertificateView& cert) const
{
    const auto* plugin = registry_.find(ca);
    if (!plugin)
        throw Error(ErrorCode::CertUntrusted, "no plugin loaded for profile " + ca);
    try {
        return plugin->extractIdentity(cert);
    } catch (const plugin::PluginError& e) {
        throw fromPluginError(e);
    } catch (const std::exception& e) {
        // A plugin bug must not take the request (or the server) down with it.
        throw Error(ErrorCode::InternalError, "plugin " + ca + " threw: " + e.what());
    }
}

namespace {

/// certgate_card_verifications_total: every card judged, by the CA whose chain it claimed
/// ("unknown" before one is known) and the result (OK or the refusal's code).
void countVerification(std::string_view ca, std::string_view result)
{
    static auto& family = metrics::Registry::global().counter("certgate_card_verifications_total",
        "Card certificates and signatures judged, by CA profile and result code.",
        { "ca", "result" });
    family.with({ ca.empty() ? std::string_view("unknown") : ca, result }).inc();
}

} // namespace

void CardVerifier::count(std::string_view ca, std::string_view result) const
{
    countVerification(ca, result);
    if (statistics_)
        statistics_->count(ca, result);
}

template <typename CheckSignature>
VerifiedCard CardVerifier::judge(std::span<const std::uint8_t> der, CheckSignature&& checkSignature,
    std::optional<plugin::CardKind> expectedKind, const ValidationOptions* options) const
{
    std::string ca;
    try {
        auto card = judgeUncounted(der, checkSignature, expectedKind, options, ca);
        count(ca, "OK");
        return card;
    } catch (const Error& e) {
        count(ca, toString(e.code()));
        throw;
    }
}

template <typename CheckSignature>
VerifiedCard CardVerifier::judgeUncounted(std::span<const std::uint8_t> der,
    CheckSignature& checkSignature, std::optional<plugin::CardKind> expectedKind,
    const ValidationOptions* options, std::string& ca) const
{
    VerifiedCard card;
    card.certificate = validator_.parse(der);
    ValidationOptions defaults;
    defaults.at = clock_.now();
    card.chain = validator_.validate(card.certificate, options ? *options : defaults);
    ca = card.chain.profileId;
    if (card.chain.error) {
        Error refusal(*card.chain.error, card.chain.detail);
        if (!card.chain.messageZh.empty())
            refusal.withMessage(card.chain.messageZh, card.chain.messageEn);
        throw refusal;
    }
    checkSignature(card.certificate);
    card.ca = card.chain.profileId;
    card.identity = extractIdentity(card.ca, card.certificate);
    card.kind = card.identity.kind;
    if (expectedKind && card.kind != *expectedKind)
        throw Error(ErrorCode::WrongCardKind,
            std::string("expected a ") + plugin::toString(*expectedKind) + " card, got "
                + plugin::toString(card.kind));
    return card;
}

VerifiedCard CardVerifier::verify(const AuthToken& token, std::string_view origin,
    std::string_view nonce, std::optional<plugin::CardKind> expectedKind,
    const ValidationOptions* options) const
{
    return judge(
        token.certificate,
        [&](const plugin::CertificateView& certificate) {
            validator_.verifySignature(
                certificate, token.algorithm, signedData(origin, nonce), token.signature);
        },
        expectedKind, options);
}

VerifiedCard CardVerifier::verify(const HipkiToken& token, std::string_view toBeSigned,
    std::optional<plugin::CardKind> expectedKind, const ValidationOptions* options) const
{
    const std::span content(
        reinterpret_cast<const std::uint8_t*>(toBeSigned.data()), toBeSigned.size());
    auto card = judge(
        token.certificate,
        [&](const plugin::CertificateView& certificate) {
            if (token.type == HipkiToken::Type::Pkcs7)
                validator_.verifyCmsSignature(certificate, token.signature, content);
            else
                // HiPKI's PKCS1 is RSASSA-PKCS1-v1_5 over DigestInfo(hash(tbs)): RS256's shape.
                validator_.verifySignature(
                    certificate, "RS" + token.hashAlgorithm.substr(3), content, token.signature);
        },
        expectedKind, options);
    card.signer = Signer::Hipki;
    return card;
}

void CardVerifier::readSignerCertificate(HipkiToken& token) const
{
    if (token.type == HipkiToken::Type::Pkcs7)
        token.certificate = validator_.cmsSignerCertificate(token.signature);
}

CardVerifier::Inspection CardVerifier::inspect(
    std::span<const std::uint8_t> der, const ValidationOptions& options) const
{
    Inspection result;
    result.certificate = validator_.parse(der);
    result.chain = validator_.validate(result.certificate, options);
    result.ca = result.chain.profileId;
    if (!result.ca.empty()) {
        if (const auto* profile = registry_.profile(result.ca))
            result.kind = profile->kind;
        try {
            result.identity = extractIdentity(result.ca, result.certificate);
            result.kind = result.identity->kind;
        } catch (const Error& e) {
            result.identityError = std::string(toString(e.code()));
        }
    }
    return result;
}

const char* toString(RevocationResult::Status status)
{
    switch (status) {
    case RevocationResult::Status::Good:
        return "good";
    case RevocationResult::Status::Revoked:
        return "revoked";
    case RevocationResult::Status::Unknown:
        return "unknown";
    case RevocationResult::Status::NotChecked:
        return "not-checked";
    }
    return "unknown";
}

const char* toString(RevocationMode mode)
{
    switch (mode) {
    case RevocationMode::None:
        return "none";
    case RevocationMode::Crl:
        return "crl";
    case RevocationMode::Ocsp:
        return "ocsp";
    case RevocationMode::OcspThenCrl:
        return "ocsp-then-crl";
    }
    return "none";
}

std::optional<RevocationMode> revocationModeFromString(const std::string& text)
{
    if (text == "none")
        return RevocationMode::None;
    if (text == "crl")
        return RevocationMode::Crl;
    if (text == "ocsp")
        return RevocationMode::Ocsp;
    if (text == "ocsp-then-crl")
        return RevocationMode::OcspThenCrl;
    return std::nullopt;
}

} // namespace certgate::core
