#pragma once

#include <certgate/core/AuditLog.hpp>
#include <certgate/core/BusinessCalendar.hpp>
#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Settings.hpp>
#include <certgate/core/Storage.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

/// The functions of the portal (SPEC §3.1–3.5) as flows: server-side records that carry a
/// function from its first step to its result. A flow belongs to one browser session (cookie)
/// and every state change needs the flow's CSRF token; the session id changes after each
/// card step. All state lives in the database (SPEC §9).
namespace flow {
inline constexpr const char* FirstRegistration = "first-registration";
inline constexpr const char* Authorisation = "authorisation";
inline constexpr const char* ReplaceOrganisation = "replace-organisation";
inline constexpr const char* ReplaceManager = "replace-manager";
inline constexpr const char* ReplaceBoth = "replace-both";
inline constexpr const char* QueryOid = "query-oid";
inline constexpr const char* QuerySerial = "query-serial";
inline constexpr const char* OperatorLogin = "operator-login";
inline constexpr const char* StaffLogin = "staff-login";
bool isKnown(const std::string& type);
} // namespace flow

/// Card steps a nonce can be issued for.
namespace purpose {
inline constexpr const char* Organisation = "organisation";
inline constexpr const char* Manager = "manager";
inline constexpr const char* Citizen = "citizen";
} // namespace purpose

struct CardDetails {
    std::string ca;
    std::string caNameZh;
    std::string caNameEn;
    std::string kind;
    std::string issuer;
    std::string subject;
    std::string serial;
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
    std::string name;
    std::string idLast4;
    std::string subjectSerialNumber;
    std::string organisationName;
    std::string identifier;
    std::string identifierType;
};

struct ContactDetails {
    std::string name;
    std::string email;
    std::string phone;
    std::string extension;
};

struct OperatorInput {
    std::string serial;
    std::string name;
    std::string nationalId;
    std::vector<std::string> functions;
    std::string certificateBase64; ///< optional: the operator's card certificate, read by the agent
};

struct OperatorView {
    std::string id;
    std::string serial;
    std::string issuer;
    std::string name;
    std::string nationalIdMasked;
    std::vector<std::string> functions;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
};

struct ReceiptView {
    std::string number;
    std::string kind;
    std::string status;
    std::int64_t receivedAt = 0;
};

struct AgencyGrant {
    std::string agencyCode;
    std::string agencyName;
    std::vector<std::string> functions;
};

struct FlowView {
    std::string id;
    std::string type;
    std::string step;
    bool termsAccepted = false;
    std::int64_t expiresAt = 0;
    std::string agencyCode;
    std::string agencyName;
    std::optional<CardDetails> organisation;
    std::optional<CardDetails> manager;
    std::optional<CardDetails> citizen;
    std::optional<ContactDetails> contact; ///< the registered manager's contact, to pre-fill
    std::optional<ReceiptView> receipt;
    std::string managerName;
    std::vector<OperatorView> operators;
    std::vector<AgencyGrant> grants;
    std::optional<SectionContact> section; ///< who to call about this agency
};

/// What the HTTP layer knows about the caller of a flow request.
struct FlowRequest {
    std::string flowId;
    std::string sessionToken; ///< cookie value
    std::string csrfToken; ///< header value (state-changing requests)
    std::string client; ///< remote address, for rate limits and logs
};

struct FlowResult {
    FlowView view;
    std::string sessionToken; ///< non-empty when the session id changed: set the cookie
    std::string csrfToken;
    /// A refusal that still moved the flow on (OID_MISMATCH → review step): answered with its
    /// code, and with the new session like any card step.
    std::optional<Error> notice;
};

struct IssuedNonce {
    std::string nonce;
    std::string origin;
    std::int64_t expiresAt = 0;
};

struct ReceiptsAnswer {
    std::string agencyCode;
    std::string agencyName;
    std::vector<ReceiptView> receipts;
};

/// Everything the portal does. Thread-safe; stateless apart from the Storage.
class Portal {
public:
    Portal(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
        const AuditLog& audit, const PiiProtector& pii, const Clock& clock,
        PortalSettings settings);

    FlowResult startFlow(const std::string& type, const std::string& client);
    FlowView view(const FlowRequest& request);
    FlowResult acceptTerms(const FlowRequest& request);
    IssuedNonce challenge(const FlowRequest& request, const std::string& purpose);
    FlowResult organisationCard(const FlowRequest& request, const std::string& agencyCode,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult reviewApplication(const FlowRequest& request, const std::string& applicantName,
        const std::string& applicantPhone);
    FlowResult managerCard(const FlowRequest& request, const std::string& nationalId,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult citizenCard(const FlowRequest& request, const std::string& nationalId,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult confirm(const FlowRequest& request, const ContactDetails& contact);

    FlowResult addOperator(const FlowRequest& request, const OperatorInput& input);
    FlowResult updateOperator(
        const FlowRequest& request, const std::string& operatorId, const OperatorInput& input);
    FlowResult deleteOperator(const FlowRequest& request, const std::string& operatorId);

    ReceiptsAnswer receipts(const std::string& agencyCode, const std::string& client);

    /// For a completed staff-login flow: the staff member it authenticated, once (the flow is
    /// closed so it cannot be redeemed twice); STAFF_NOT_ALLOWED for any other flow.
    std::optional<Staff> takeStaffLogin(const FlowRequest& request);

    SectionContact sectionFor(const std::string& region) const;
    const PortalSettings& settings() const { return settings_; }

private:
    struct Loaded;
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
    VerifiedCard verifyCard(const Flow& flow, const std::string& purpose, const std::string& nonce,
        const std::string& tokenJson, plugin::CardKind kind);
    const plugin::CaPlugin& citizenPlugin() const;
    void checkNationalId(const std::string& nationalId) const;
    void refuse(const std::string& action, const Error& error, const std::string& agencyCode);
    /// Runs a step; a refusal is audited with the agency of the stored flow, or with
    /// `*agency` when the step got as far as naming one (the organisation card step).
    template <typename Work>
    auto audited(const FlowRequest& request, const std::string& action, Work&& work,
        const std::string* agency = nullptr) -> decltype(work());
    void checkAgencyOpen(const Agency& agency, const std::string& type);
    bool identifierMatches(
        const Agency& agency, const VerifiedCard& card, std::string* approvedReviewId);
    Registration requireRegistration(const std::string& agencyCode);
    /// NOT_REGISTERED_CARD unless the organisation / manager card the flow checked is still
    /// the agency's registered one (read on `storage`, inside the acting transaction).
    void requireCurrentCards(
        Storage& storage, const Loaded& loaded, bool organisation, bool manager);
    void validateOperator(const Loaded& loaded, const OperatorInput& input,
        const std::string& excludeId, Operator& out);
    std::vector<OperatorView> operatorViews(const std::string& agencyCode);

    Storage& storage_;
    const CardVerifier& verifier_;
    const CaRegistry& registry_;
    const AuditLog& audit_;
    const PiiProtector& pii_;
    const Clock& clock_;
    PortalSettings settings_;
};

} // namespace certgate::core
