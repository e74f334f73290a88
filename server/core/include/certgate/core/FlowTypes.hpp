#pragma once

#include <certgate/core/Error.hpp>
#include <certgate/core/Settings.hpp>

#include <cstdint>
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

    bool operator==(const CardDetails&) const = default;
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

    bool operator==(const ReceiptView&) const = default;
};

struct AgencyGrant {
    std::string agencyCode;
    std::string agencyName;
    std::vector<std::string> functions;

    bool operator==(const AgencyGrant&) const = default;
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
    /// The text a HiPKI signature must cover (docs/token-hipki.md); empty unless the
    /// deployment allows HiPKI.
    std::string hipkiToBeSigned;
    std::int64_t hipkiExpiresAt = 0; ///< when a HiPKI signature of it stops being accepted
};

struct ReceiptsAnswer {
    std::string agencyCode;
    std::string agencyName;
    std::vector<ReceiptView> receipts;
};

} // namespace certgate::core
