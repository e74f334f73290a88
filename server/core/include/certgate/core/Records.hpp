#pragma once

#include <certgate/core/FlowState.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

// Plain records as they are stored (SPEC §7). Times are Unix seconds (UTC). Certificates are
// kept as base64 DER. National ID numbers never appear in clear: `nationalIdEnc` is
// AES-256-GCM ciphertext (PiiProtector), `nationalIdHash` a keyed hash for lookups.

struct Agency {
    std::string code; ///< 機關代號
    std::string name;
    std::string region; ///< county/city, e.g. "臺北市"; decides the responsible section
    std::string expectedCa; ///< plugin id of the organisation card it registers with
    std::string expectedIdentifier;
    std::int64_t updatedAt = 0;
};

/// One certificate as bound to a record: by issuer + serial (SPEC §3.2), never serial alone.
struct CertificateRef {
    std::string ca;
    std::string issuer; ///< RFC 4514
    std::string issuerKeyId; ///< AKI, uppercase hex (may be empty when typed by a person)
    std::string serial; ///< normalised uppercase hex
    std::string subject;
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
    std::string derBase64; ///< empty when typed by a person
};

struct OrganisationCertificate {
    std::string id;
    std::string agencyCode;
    CertificateRef cert;
    std::string identifier;
    std::string identifierType;
    std::string organisationName;
    std::int64_t registeredAt = 0;
    std::optional<std::int64_t> replacedAt; ///< set when a newer card replaced it (history)
};

struct Manager {
    std::string id;
    std::string agencyCode;
    std::string name;
    std::string email;
    std::string phone;
    std::string extension;
    std::string nationalIdEnc;
    std::string nationalIdHash;
    CertificateRef cert;
    std::int64_t registeredAt = 0;
    std::optional<std::int64_t> replacedAt;
};

struct Registration {
    std::string agencyCode;
    std::string orgCertificateId;
    std::string managerId;
    std::int64_t registeredAt = 0;
    std::int64_t updatedAt = 0;
};

struct Operator {
    std::string id;
    std::string agencyCode;
    std::string certIssuer;
    std::string certIssuerKeyId;
    std::string certSerial;
    std::string name;
    std::string nationalIdEnc;
    std::string nationalIdHash;
    std::vector<std::string> functions;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
    std::optional<std::int64_t> deletedAt;
};

enum class ReceiptKind {
    FirstRegistration,
    ReplaceOrganisation,
    ReplaceManager,
    ReplaceBoth,
    ReviewApplication
};
enum class ReceiptStatus { Done, UnderReview, Approved, Rejected };

const char* toString(ReceiptKind kind);
const char* toString(ReceiptStatus status);
std::optional<ReceiptKind> receiptKindFromString(const std::string& text);
std::optional<ReceiptStatus> receiptStatusFromString(const std::string& text);

struct Receipt {
    std::string id;
    std::string number; ///< shown to people, e.g. "R2026112700001"
    std::string agencyCode;
    ReceiptKind kind = ReceiptKind::FirstRegistration;
    ReceiptStatus status = ReceiptStatus::Done;
    std::int64_t receivedAt = 0;
    std::string reviewId;
};

enum class ReviewStatus { Pending, Approved, Rejected };
const char* toString(ReviewStatus status);
std::optional<ReviewStatus> reviewStatusFromString(const std::string& text);

struct Review {
    std::string id;
    std::string agencyCode;
    std::string receiptId;
    std::string flowType; ///< the function that asked for it (first-registration, replace-...)
    std::string applicantName;
    std::string applicantPhone;
    std::string presentedCa;
    std::string presentedIdentifier;
    std::string presentedOrganisationName;
    std::string expectedIdentifier;
    CertificateRef presentedCert;
    ReviewStatus status = ReviewStatus::Pending;
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> decidedAt;
    std::string decidedBy; ///< staff id
    std::string note;
    std::optional<std::int64_t>
        effectiveFrom; ///< approval takes effect (next business day 00:00 Asia/Taipei)
};

struct Flow {
    std::string id;
    std::string type;
    std::string sessionHash; ///< SHA-256 of the session cookie value, hex
    std::string csrfToken;
    std::string step;
    FlowState state; ///< what the function gathered so far (its use case's own type)
    std::string agencyCode;
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0;
    std::int64_t version = 0; ///< optimistic concurrency
};

struct Nonce {
    std::string value; ///< base64 of >= 32 random bytes
    std::string flowId;
    std::string purpose; ///< the step it was issued for
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0;
};

enum class NonceOutcome { Consumed, Unknown, Expired, Replayed };

struct Staff {
    std::string id;
    std::string name;
    std::string certIssuer;
    std::string certSerial;
    std::string role; ///< "admin" | "reviewer"
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> disabledAt;
};

struct StaffSession {
    std::string idHash;
    std::string staffId;
    std::string csrfToken;
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0;
};

struct AuditEvent {
    std::int64_t seq = 0;
    std::int64_t at = 0;
    std::string actor; ///< "agency:A0001", "staff:<id>", "system", "cli"
    std::string action; ///< e.g. "registration.confirm", "operator.add", "review.approve"
    std::string outcome; ///< "ok" | "refused"
    std::string errorCode;
    std::string agencyCode;
    std::string subject; ///< what it concerns (receipt number, operator id, certificate serial)
    std::string details; ///< JSON without personal data (masked IDs at most)
    std::string prevHash;
    std::string hash; ///< HMAC-SHA256(key, prevHash || canonical fields), hex
    /// The audit key ring's id of the key that made `hash` ("1", the original key, for rows
    /// written before key ids). Part of the hashed fields unless it is "1".
    std::string keyId = "1";
};

/// Card verifications of one minute, CA profile and result, summed over every instance (the
/// admin dashboard, issue 16 item 4).
struct CardStatistic {
    std::int64_t minuteStart = 0; ///< Unix seconds, a multiple of 60
    std::string ca; ///< profile id, "unknown" before a chain named one
    std::string result; ///< "OK" or the refusal's error code
    std::int64_t hits = 0;
};

} // namespace certgate::core
