#pragma once

#include <certgate/core/AuditLog.hpp>
#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/FlowState.hpp>
#include <certgate/core/FlowTypes.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Settings.hpp>
#include <certgate/core/Storage.hpp>

#include <functional>
#include <regex>
#include <string>

namespace certgate::core {

/// Steps (Flow::step).
namespace step {
inline constexpr const char* Terms = "terms";
inline constexpr const char* Organisation = "organisation";
inline constexpr const char* Review = "review";
inline constexpr const char* ReviewSubmitted = "review-submitted";
inline constexpr const char* Manager = "manager";
inline constexpr const char* Citizen = "citizen";
inline constexpr const char* Confirm = "confirm";
inline constexpr const char* Operators = "operators";
inline constexpr const char* Done = "done";
} // namespace step

/// What every function of the portal shares: a flow loaded for its session (CSRF checked),
/// saved with session rotation, its steps audited, its cards verified against a nonce issued
/// for that step, and the view the pages draw.
class FlowEngine {
public:
    FlowEngine(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
        const AuditLog& audit, const PiiProtector& pii, const Clock& clock,
        const PortalSettings& settings);

    /// A flow as a request found it: its session (and CSRF token, for a change) checked.
    struct Loaded {
        Flow flow;
    };

    /// Adds what a flow's own function shows to its view (the operators list, say).
    using Describer = std::function<void(const Loaded&, FlowView&)>;
    void setDescriber(Describer describer) { describer_ = std::move(describer); }

    FlowResult start(
        const std::string& type, const std::string& firstStep, const std::string& client);
    /// FLOW_UNKNOWN, SESSION_INVALID, FLOW_EXPIRED, and CSRF_INVALID when `stateChanging`.
    Loaded load(const FlowRequest& request, bool stateChanging);
    /// Writes the flow's new state on `storage` (inside a transaction: part of it) if no other
    /// request changed the flow since it was loaded, else FLOW_STEP; no view.
    FlowResult write(Storage& storage, Loaded& loaded, bool rotateSession);
    /// write() on its own, and the view of the result.
    FlowResult save(Loaded& loaded, bool rotateSession);
    /// save() and the step's audit event in one transaction: a failure (a database outage)
    /// leaves neither, so an answered error never hides a step that was made.
    FlowResult saveAudited(Loaded& loaded, bool rotateSession, const AuditLog::Entry& entry);
    /// save() after a change committed in its own transaction (operators), where the flow
    /// update only moves the idle expiry on: a concurrent update is not a refusal.
    FlowResult saveAfterStored(Loaded& loaded);
    FlowView render(const Loaded& loaded);

    /// Runs a step; a refusal is audited with the agency of the stored flow, or with
    /// `*agency` when the step got as far as naming one (the organisation card step).
    template <typename Work>
    auto audited(const FlowRequest& request, const std::string& action, Work&& work,
        const std::string* agency = nullptr) -> decltype(work())
    {
        try {
            return work();
        } catch (const Error& e) {
            if (isServerFailure(e.code()))
                throw;
            std::string concerned = agency ? *agency : std::string {};
            if (concerned.empty())
                if (auto stored = storage_.findFlow(request.flowId))
                    concerned = stored->agencyCode;
            refuse(action, e, concerned, request.client);
            throw;
        }
    }
    /// Audits a refusal (not a server failure) in its own transaction, marking it audited.
    /// Identical refusals from one `client` within a minute are counted, and written only the
    /// first time and every RateLimitSettings::auditRepeatedRefusalEvery-th time after (with
    /// the count), so a flood cannot grow the audit log without bound.
    void refuse(const std::string& action, const Error& error, const std::string& agencyCode,
        const std::string& client);
    /// RATE_LIMITED, with the seconds to the window's end as fact `retryAfter`, once `key` has
    /// been hit more than `perMinute` times in this minute (held in the database).
    void limit(const std::string& key, int perMinute);

    IssuedNonce challenge(const FlowRequest& request, const std::string& purpose);
    /// SPEC §5 order: token format, then the nonce (consumed), then certificate and signature.
    VerifiedCard verifyCard(const Flow& flow, const std::string& purpose, const std::string& nonce,
        const std::string& tokenJson, plugin::CardKind kind);
    CardDetails describe(const VerifiedCard& card) const;
    CheckedCard checked(const VerifiedCard& card) const;
    /// ID_MISMATCH when the national ID fails the citizen plugin's checksum.
    void checkNationalId(const std::string& nationalId) const;
    const plugin::CaPlugin& citizenPlugin() const;

    /// The typed agency code, normalised; AGENCY_CODE_FORMAT unless it matches the pattern.
    std::string agencyCode(const std::string& input, const std::string& detail = {}) const;
    SectionContact sectionFor(const std::string& region) const;
    /// `error` with the facts of the section serving `agency` (who to call).
    Error withSection(Error error, const Agency& agency) const;
    /// NOT_REGISTERED_CARD unless the organisation / manager card the flow checked is still
    /// the agency's registered one (read on `storage`, inside the acting transaction).
    void requireCurrentCards(
        Storage& storage, const Loaded& loaded, bool organisation, bool manager);
    /// The registered manager's contact, to pre-fill (and the name shown).
    void addRegisteredContact(FlowView& view);
    /// A new receipt numbered on `storage` (R + Taipei date + counter of the day).
    Receipt newReceipt(Storage& storage, const std::string& agencyCode, ReceiptKind kind,
        ReceiptStatus status, std::int64_t now);

    Storage& storage() { return storage_; }
    const AuditLog& audit() const { return audit_; }
    const PiiProtector& pii() const { return pii_; }
    const CardVerifier& verifier() const { return verifier_; }
    const Clock& clock() const { return clock_; }
    const PortalSettings& settings() const { return settings_; }

private:
    Storage& storage_;
    const CardVerifier& verifier_;
    const CaRegistry& registry_;
    const AuditLog& audit_;
    const PiiProtector& pii_;
    const Clock& clock_;
    const PortalSettings& settings_;
    std::regex agencyCodePattern_;
    Describer describer_;
};

/// A receipt as the flow keeps and the pages show it.
ReceiptView receiptView(const Receipt& receipt);
bool sameCertificate(const CertificateRef& a, const std::string& issuer, const std::string& serial);
/// The certificate a flow checked, as the records keep it.
CertificateRef certificateRef(const CheckedCard& card);

} // namespace certgate::core
