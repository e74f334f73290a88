#pragma once

#include <certgate/core/AuditLog.hpp>
#include <certgate/core/BusinessCalendar.hpp>
#include <certgate/core/CaRegistry.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Settings.hpp>
#include <certgate/core/Storage.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

/// One line of an agency master-data CSV that could not be taken.
struct ImportProblem {
    int line = 0;
    std::string field;
    std::string messageZh;
    std::string messageEn;
};

struct ImportReport {
    bool dryRun = true;
    bool applied = false;
    int lines = 0;
    int added = 0;
    int updated = 0;
    int unchanged = 0;
    std::vector<ImportProblem> problems;
};

struct RegistrationSummary {
    Registration registration;
    std::optional<OrganisationCertificate> organisation;
    std::optional<Manager> manager; ///< nationalIdEnc never leaves core: see managerIdMasked
    std::string managerIdMasked;
    std::string agencyName;
};

struct StaffSessionStart {
    std::string token;
    std::string csrfToken;
    Staff staff;
    std::int64_t expiresAt = 0;
};

/// What ops staff do (SPEC §3.6). Every action is audited with the staff member as actor.
class Admin {
public:
    Admin(Storage& storage, const CaRegistry& registry, const AuditLog& audit,
        const PiiProtector& pii, const BusinessCalendar& calendar, const Clock& clock,
        const PortalSettings& settings);

    StaffSessionStart startSession(const Staff& staff);
    /// The staff member behind a session cookie; `csrf` must match for state-changing calls.
    Staff authenticate(const std::string& sessionToken, const std::string* csrf);
    void endSession(const std::string& sessionToken);

    std::vector<Review> reviews(std::optional<ReviewStatus> status, int limit, int offset);
    Review review(const std::string& id);
    /// Approve (effective from the next business day) or reject, with a note.
    Review decide(
        const Staff& staff, const std::string& reviewId, bool approve, const std::string& note);

    std::vector<Agency> agencies(const AgencyQuery& query);
    std::int64_t countAgencies(const AgencyQuery& query);
    /// CSV: code,name,region,expected_ca,expected_identifier (header line required). Nothing
    /// is written unless every line is valid and `dryRun` is false; then all in one transaction.
    ImportReport importAgencies(const std::string& actor, const std::string& csv, bool dryRun);

    std::vector<RegistrationSummary> registrations(int limit, int offset);
    RegistrationSummary registration(const std::string& agencyCode);
    std::vector<Operator> operators(const std::string& agencyCode);
    std::vector<Receipt> receipts(const std::string& agencyCode);
    std::vector<AuditEvent> auditEvents(int limit, int offset);
    AuditLog::Verification verifyAudit();

    /// Adds a staff member bound to a citizen certificate (issuer + serial); used by the
    /// `certgate staff add` bootstrap and by admins.
    Staff addStaff(const std::string& actor, const std::string& name, const std::string& issuer,
        const std::string& serial, const std::string& role);
    void disableStaff(const std::string& actor, const std::string& staffId);
    std::vector<Staff> staff();

    void record(const Staff& staff, const std::string& action, const std::string& subject);

private:
    Storage& storage_;
    const CaRegistry& registry_;
    const AuditLog& audit_;
    const PiiProtector& pii_;
    const BusinessCalendar& calendar_;
    const Clock& clock_;
    const PortalSettings& settings_;
};

/// RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); a UTF-8 BOM is skipped.
/// Returns rows of fields with the 1-based line each row started on.
struct CsvRow {
    int line = 0;
    std::vector<std::string> fields;
};
std::vector<CsvRow> parseCsv(const std::string& text);

} // namespace certgate::core
