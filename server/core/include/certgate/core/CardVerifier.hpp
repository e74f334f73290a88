#pragma once

#include <certgate/core/CaRegistry.hpp>
#include <certgate/core/CardStatistics.hpp>
#include <certgate/core/CardToken.hpp>
#include <certgate/core/CertificateValidator.hpp>
#include <certgate/core/Clock.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace certgate::core {

/// A card the server has judged: trusted, valid, signed this origin and nonce.
struct VerifiedCard {
    std::string ca; ///< plugin id, lowercase
    plugin::CardKind kind = plugin::CardKind::Citizen;
    plugin::Identity identity;
    plugin::CertificateView certificate;
    ChainResult chain;
    Signer signer = Signer::CertgateAgent;
};

/// The certificate and signature checks of SPEC §5 that follow the nonce, in order:
/// CERT_MALFORMED, CERT_UNTRUSTED, CERT_EXPIRED / CERT_NOT_YET_VALID, CERT_KEY_USAGE,
/// CERT_POLICY, CERT_REVOKED / REVOCATION_UNKNOWN, SIGNATURE_INVALID, WRONG_CARD_KIND.
/// Throws Error with the first failing code.
class CardVerifier {
public:
    /// Every judged card is counted in `statistics` too when given (the admin dashboard).
    CardVerifier(const CertificateValidator& validator, const CaRegistry& registry,
        const Clock& clock, CardStatistics* statistics = nullptr)
        : validator_(validator)
        , registry_(registry)
        , clock_(clock)
        , statistics_(statistics)
    {
    }

    /// `origin` and `nonce` are trusted values (the configured origin, the stored nonce),
    /// never taken from the request. `expectedKind` empty = any kind.
    VerifiedCard verify(const AuthToken& token, std::string_view origin, std::string_view nonce,
        std::optional<plugin::CardKind> expectedKind,
        const ValidationOptions* options = nullptr) const;

    /// The same checks for a HiPKI signature over `toBeSigned` (hipkiToBeSigned of trusted
    /// values). `token.certificate` must be filled (readSignerCertificate for PKCS7); for
    /// PKCS7 that certificate is the one validated and the only one the CMS is verified with.
    VerifiedCard verify(const HipkiToken& token, std::string_view toBeSigned,
        std::optional<plugin::CardKind> expectedKind,
        const ValidationOptions* options = nullptr) const;
    /// Fills a PKCS7 token's certificate from its CMS (MALFORMED_TOKEN), before the nonce.
    void readSignerCertificate(HipkiToken& token) const;

    /// Chain checks and identity of a certificate without a signature (inspect-cert).
    /// Does not throw for failed trust checks; `identity` is filled when a plugin claims it.
    struct Inspection {
        plugin::CertificateView certificate;
        ChainResult chain;
        std::optional<plugin::Identity> identity;
        std::string identityError; ///< a plugin's refusal code, when it refused
        std::string ca;
        std::optional<plugin::CardKind> kind;
    };
    Inspection inspect(std::span<const std::uint8_t> der, const ValidationOptions& options) const;

    const Clock& clock() const { return clock_; }

private:
    /// Parse, chain, `checkSignature`, identity, kind: the order of SPEC §5.
    template <typename CheckSignature>
    VerifiedCard judge(std::span<const std::uint8_t> der, CheckSignature&& checkSignature,
        std::optional<plugin::CardKind> expectedKind, const ValidationOptions* options) const;
    template <typename CheckSignature>
    VerifiedCard judgeUncounted(std::span<const std::uint8_t> der, CheckSignature& checkSignature,
        std::optional<plugin::CardKind> expectedKind, const ValidationOptions* options,
        std::string& ca) const;
    plugin::Identity extractIdentity(
        const std::string& ca, const plugin::CertificateView& cert) const;

    const CertificateValidator& validator_;
    void count(std::string_view ca, std::string_view result) const;

    const CaRegistry& registry_;
    const Clock& clock_;
    CardStatistics* statistics_;
};

} // namespace certgate::core
