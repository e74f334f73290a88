#include "SessionStorage.hpp"

#include "ErrorTranslator.hpp"
#include "RecordCodec.hpp"
#include "Statement.hpp"
#include "Transaction.hpp"

#include <certgate/core/Error.hpp>

#include <soci/soci.h>

#include <string_view>

namespace certgate::db {
namespace {

using core::ErrorCode;

/// A nullable BIGINT column.
struct NullableInteger {
    long long value = 0;
    soci::indicator indicator = soci::i_ok;

    void bind(Statement& statement) { statement.into(value, indicator); }
    std::optional<std::int64_t> get() const
    {
        if (indicator == soci::i_null)
            return std::nullopt;
        return value;
    }
};

/// "INSERT INTO table (a, b) VALUES (:a, :b)": placeholders named after the columns, so
/// the text is made from the column list alone and never from values.
std::string insertSql(std::string_view table, std::string_view columns)
{
    std::string placeholders = ":";
    for (const char c : columns) {
        placeholders += c;
        if (c == ' ')
            placeholders += ':';
    }
    return "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES ("
        + placeholders + ")";
}

std::string selectSql(std::string_view table, std::string_view columns, std::string_view rest)
{
    return "SELECT " + std::string(columns) + " FROM " + std::string(table) + " "
        + std::string(rest);
}

void requireOneRow(long long affected, const char* operation, const std::string& id)
{
    if (affected == 0)
        throw core::Error(ErrorCode::NotFound, std::string(operation) + ": no row " + id);
}

void bindCertificate(Statement& statement, core::CertificateRef& cert)
{
    statement.into(cert.ca);
    statement.into(cert.issuer);
    statement.into(cert.issuerKeyId);
    statement.into(cert.serial);
    statement.into(cert.subject);
    statement.into(cert.notBefore);
    statement.into(cert.notAfter);
    statement.into(cert.derBase64);
}

void useCertificate(Statement& statement, const core::CertificateRef& cert)
{
    statement.use(cert.ca);
    statement.use(cert.issuer);
    statement.use(cert.issuerKeyId);
    statement.use(cert.serial);
    statement.use(cert.subject);
    statement.use(cert.notBefore);
    statement.use(cert.notAfter);
    statement.use(cert.derBase64);
}

// One Row per table: `columns` in the order bind() and use() bind them.

struct AgencyRow {
    static constexpr std::string_view table = "agencies";
    static constexpr std::string_view columns
        = "code, name, region, expected_ca, expected_identifier, updated_at";
    core::Agency record;

    void bind(Statement& s)
    {
        s.into(record.code);
        s.into(record.name);
        s.into(record.region);
        s.into(record.expectedCa);
        s.into(record.expectedIdentifier);
        s.into(record.updatedAt);
    }
    core::Agency get() const { return record; }
    static void use(Statement& s, const core::Agency& r)
    {
        s.use(r.code);
        s.use(r.name);
        s.use(r.region);
        s.use(r.expectedCa);
        s.use(r.expectedIdentifier);
        s.use(r.updatedAt);
    }
};

struct OrgCertificateRow {
    static constexpr std::string_view table = "org_certificates";
    static constexpr std::string_view columns
        = "id, agency_code, ca, issuer, issuer_key_id, serial, subject, not_before, not_after, "
          "der_base64, identifier, identifier_type, organisation_name, registered_at, "
          "replaced_at";
    core::OrganisationCertificate record;
    NullableInteger replacedAt;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.agencyCode);
        bindCertificate(s, record.cert);
        s.into(record.identifier);
        s.into(record.identifierType);
        s.into(record.organisationName);
        s.into(record.registeredAt);
        replacedAt.bind(s);
    }
    core::OrganisationCertificate get() const
    {
        auto r = record;
        r.replacedAt = replacedAt.get();
        return r;
    }
    static void use(Statement& s, const core::OrganisationCertificate& r)
    {
        s.use(r.id);
        s.use(r.agencyCode);
        useCertificate(s, r.cert);
        s.use(r.identifier);
        s.use(r.identifierType);
        s.use(r.organisationName);
        s.use(r.registeredAt);
        s.use(r.replacedAt);
    }
};

struct ManagerRow {
    static constexpr std::string_view table = "managers";
    static constexpr std::string_view columns
        = "id, agency_code, name, email, phone, extension, national_id_enc, national_id_hash, "
          "cert_ca, cert_issuer, cert_issuer_key_id, cert_serial, cert_subject, "
          "cert_not_before, cert_not_after, cert_der_base64, registered_at, replaced_at";
    core::Manager record;
    NullableInteger replacedAt;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.agencyCode);
        s.into(record.name);
        s.into(record.email);
        s.into(record.phone);
        s.into(record.extension);
        s.into(record.nationalIdEnc);
        s.into(record.nationalIdHash);
        bindCertificate(s, record.cert);
        s.into(record.registeredAt);
        replacedAt.bind(s);
    }
    core::Manager get() const
    {
        auto r = record;
        r.replacedAt = replacedAt.get();
        return r;
    }
    static void use(Statement& s, const core::Manager& r)
    {
        s.use(r.id);
        s.use(r.agencyCode);
        s.use(r.name);
        s.use(r.email);
        s.use(r.phone);
        s.use(r.extension);
        s.use(r.nationalIdEnc);
        s.use(r.nationalIdHash);
        useCertificate(s, r.cert);
        s.use(r.registeredAt);
        s.use(r.replacedAt);
    }
};

struct RegistrationRow {
    static constexpr std::string_view table = "registrations";
    static constexpr std::string_view columns
        = "agency_code, org_certificate_id, manager_id, registered_at, updated_at";
    core::Registration record;

    void bind(Statement& s)
    {
        s.into(record.agencyCode);
        s.into(record.orgCertificateId);
        s.into(record.managerId);
        s.into(record.registeredAt);
        s.into(record.updatedAt);
    }
    core::Registration get() const { return record; }
    static void use(Statement& s, const core::Registration& r)
    {
        s.use(r.agencyCode);
        s.use(r.orgCertificateId);
        s.use(r.managerId);
        s.use(r.registeredAt);
        s.use(r.updatedAt);
    }
};

struct OperatorRow {
    static constexpr std::string_view table = "operators";
    static constexpr std::string_view columns
        = "id, agency_code, cert_issuer, cert_issuer_key_id, cert_serial, name, "
          "national_id_enc, national_id_hash, functions, created_at, updated_at, deleted_at";
    core::Operator record;
    std::string functions;
    NullableInteger deletedAt;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.agencyCode);
        s.into(record.certIssuer);
        s.into(record.certIssuerKeyId);
        s.into(record.certSerial);
        s.into(record.name);
        s.into(record.nationalIdEnc);
        s.into(record.nationalIdHash);
        s.into(functions);
        s.into(record.createdAt);
        s.into(record.updatedAt);
        deletedAt.bind(s);
    }
    core::Operator get() const
    {
        auto r = record;
        r.functions = decodeStringList(functions);
        r.deletedAt = deletedAt.get();
        return r;
    }
    static void use(Statement& s, const core::Operator& r)
    {
        s.use(r.id);
        s.use(r.agencyCode);
        s.use(r.certIssuer);
        s.use(r.certIssuerKeyId);
        s.use(r.certSerial);
        s.use(r.name);
        s.use(r.nationalIdEnc);
        s.use(r.nationalIdHash);
        s.use(encodeStringList(r.functions));
        s.use(r.createdAt);
        s.use(r.updatedAt);
        s.use(r.deletedAt);
    }
};

struct ReceiptRow {
    static constexpr std::string_view table = "receipts";
    static constexpr std::string_view columns
        = "id, number, agency_code, kind, status, received_at, review_id";
    core::Receipt record;
    std::string kind;
    std::string status;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.number);
        s.into(record.agencyCode);
        s.into(kind);
        s.into(status);
        s.into(record.receivedAt);
        s.into(record.reviewId);
    }
    core::Receipt get() const
    {
        auto r = record;
        r.kind = receiptKindFromColumn(kind);
        r.status = receiptStatusFromColumn(status);
        return r;
    }
    static void use(Statement& s, const core::Receipt& r)
    {
        s.use(r.id);
        s.use(r.number);
        s.use(r.agencyCode);
        s.use(toColumn(r.kind));
        s.use(toColumn(r.status));
        s.use(r.receivedAt);
        s.use(r.reviewId);
    }
};

struct ReviewRow {
    static constexpr std::string_view table = "reviews";
    static constexpr std::string_view columns
        = "id, agency_code, receipt_id, flow_type, applicant_name, applicant_phone, "
          "presented_ca, presented_identifier, presented_organisation_name, "
          "expected_identifier, cert_ca, cert_issuer, cert_issuer_key_id, cert_serial, "
          "cert_subject, cert_not_before, cert_not_after, cert_der_base64, status, "
          "created_at, decided_at, decided_by, note, effective_from";
    core::Review record;
    std::string status;
    NullableInteger decidedAt;
    NullableInteger effectiveFrom;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.agencyCode);
        s.into(record.receiptId);
        s.into(record.flowType);
        s.into(record.applicantName);
        s.into(record.applicantPhone);
        s.into(record.presentedCa);
        s.into(record.presentedIdentifier);
        s.into(record.presentedOrganisationName);
        s.into(record.expectedIdentifier);
        bindCertificate(s, record.presentedCert);
        s.into(status);
        s.into(record.createdAt);
        decidedAt.bind(s);
        s.into(record.decidedBy);
        s.into(record.note);
        effectiveFrom.bind(s);
    }
    core::Review get() const
    {
        auto r = record;
        r.status = reviewStatusFromColumn(status);
        r.decidedAt = decidedAt.get();
        r.effectiveFrom = effectiveFrom.get();
        return r;
    }
    /// Every column after `id`, in order (shared by insert and update).
    static void useAfterId(Statement& s, const core::Review& r)
    {
        s.use(r.agencyCode);
        s.use(r.receiptId);
        s.use(r.flowType);
        s.use(r.applicantName);
        s.use(r.applicantPhone);
        s.use(r.presentedCa);
        s.use(r.presentedIdentifier);
        s.use(r.presentedOrganisationName);
        s.use(r.expectedIdentifier);
        useCertificate(s, r.presentedCert);
        s.use(toColumn(r.status));
        s.use(r.createdAt);
        s.use(r.decidedAt);
        s.use(r.decidedBy);
        s.use(r.note);
        s.use(r.effectiveFrom);
    }
    static void use(Statement& s, const core::Review& r)
    {
        s.use(r.id);
        useAfterId(s, r);
    }
};

struct FlowRow {
    static constexpr std::string_view table = "flows";
    static constexpr std::string_view columns
        = "id, type, session_hash, csrf_token, step, state, agency_code, created_at, "
          "expires_at, version";
    core::Flow record;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.type);
        s.into(record.sessionHash);
        s.into(record.csrfToken);
        s.into(record.step);
        s.into(record.state);
        s.into(record.agencyCode);
        s.into(record.createdAt);
        s.into(record.expiresAt);
        s.into(record.version);
    }
    core::Flow get() const { return record; }
    static void use(Statement& s, const core::Flow& r)
    {
        s.use(r.id);
        s.use(r.type);
        s.use(r.sessionHash);
        s.use(r.csrfToken);
        s.use(r.step);
        s.use(r.state);
        s.use(r.agencyCode);
        s.use(r.createdAt);
        s.use(r.expiresAt);
        s.use(r.version);
    }
};

struct StaffRow {
    static constexpr std::string_view table = "staff";
    static constexpr std::string_view columns
        = "id, name, cert_issuer, cert_serial, role, created_at, disabled_at";
    core::Staff record;
    NullableInteger disabledAt;

    void bind(Statement& s)
    {
        s.into(record.id);
        s.into(record.name);
        s.into(record.certIssuer);
        s.into(record.certSerial);
        s.into(record.role);
        s.into(record.createdAt);
        disabledAt.bind(s);
    }
    core::Staff get() const
    {
        auto r = record;
        r.disabledAt = disabledAt.get();
        return r;
    }
    static void use(Statement& s, const core::Staff& r)
    {
        s.use(r.id);
        s.use(r.name);
        s.use(r.certIssuer);
        s.use(r.certSerial);
        s.use(r.role);
        s.use(r.createdAt);
        s.use(r.disabledAt);
    }
};

struct StaffSessionRow {
    static constexpr std::string_view table = "staff_sessions";
    static constexpr std::string_view columns
        = "id_hash, staff_id, csrf_token, created_at, expires_at";
    core::StaffSession record;

    void bind(Statement& s)
    {
        s.into(record.idHash);
        s.into(record.staffId);
        s.into(record.csrfToken);
        s.into(record.createdAt);
        s.into(record.expiresAt);
    }
    core::StaffSession get() const { return record; }
    static void use(Statement& s, const core::StaffSession& r)
    {
        s.use(r.idHash);
        s.use(r.staffId);
        s.use(r.csrfToken);
        s.use(r.createdAt);
        s.use(r.expiresAt);
    }
};

struct AuditEventRow {
    static constexpr std::string_view table = "audit_events";
    static constexpr std::string_view columns
        = "seq, at, actor, action, outcome, error_code, agency_code, subject, details, "
          "prev_hash, hash";
    core::AuditEvent record;

    void bind(Statement& s)
    {
        s.into(record.seq);
        s.into(record.at);
        s.into(record.actor);
        s.into(record.action);
        s.into(record.outcome);
        s.into(record.errorCode);
        s.into(record.agencyCode);
        s.into(record.subject);
        s.into(record.details);
        s.into(record.prevHash);
        s.into(record.hash);
    }
    core::AuditEvent get() const { return record; }
    static void use(Statement& s, const core::AuditEvent& r)
    {
        s.use(r.seq);
        s.use(r.at);
        s.use(r.actor);
        s.use(r.action);
        s.use(r.outcome);
        s.use(r.errorCode);
        s.use(r.agencyCode);
        s.use(r.subject);
        s.use(r.details);
        s.use(r.prevHash);
        s.use(r.hash);
    }
};

/// A single integer result (COUNT, RETURNING, SELECT 1).
struct IntegerRow {
    long long value = 0;
    void bind(Statement& s) { s.into(value); }
    std::int64_t get() const { return value; }
};

struct NonceStateRow {
    long long expiresAt = 0;
    NullableInteger usedAt;
    void bind(Statement& s)
    {
        s.into(expiresAt);
        usedAt.bind(s);
    }
    NonceStateRow get() const { return *this; }
};

template <typename Row>
void insertRecord(soci::session& session, const decltype(Row::record)& record)
{
    Statement statement(session);
    Row::use(statement, record);
    statement.execute(insertSql(Row::table, Row::columns));
}

template <typename Row> std::string select(std::string_view rest)
{
    return selectSql(Row::table, Row::columns, rest);
}

/// LIKE patterns for AgencyQuery: code prefix, name substring (ASCII case-insensitive on
/// both backends; SQLite's LIKE folds ASCII case, PostgreSQL's does not).
struct AgencyFilter {
    std::string prefix;
    std::string substring;

    explicit AgencyFilter(const std::string& text)
    {
        std::string escaped;
        for (const char c : text) {
            if (c == '%' || c == '_' || c == '\\')
                escaped += '\\';
            escaped += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        }
        prefix = escaped + "%";
        substring = "%" + escaped + "%";
    }
};

constexpr std::string_view agencyWhere
    = "WHERE UPPER(code) LIKE :prefix ESCAPE '\\' OR UPPER(name) LIKE :substring ESCAPE '\\'";

const UniqueRule duplicateOperator { { "operators_active_certificate_uq",
                                         "operators.agency_code, operators.cert_issuer, "
                                         "operators.cert_serial" },
    ErrorCode::DuplicateOperator, "certificate already authorised in this agency" };

const UniqueRule auditSeqConflict { { "audit_events_pk", "audit_events.seq" },
    ErrorCode::InternalError, "audit seq conflict" };

} // namespace

SessionStorage::SessionStorage(soci::session& session, const Dialect& dialect)
    : session_(session)
    , dialect_(dialect)
{
}

void SessionStorage::transaction(const std::function<void(core::Storage&)>& work)
{
    if (inTransaction_) {
        work(*this);
        return;
    }
    runTransaction(work);
}

void SessionStorage::runTransaction(const std::function<void(core::Storage&)>& work)
{
    inTransaction_ = true;
    try {
        runInTransaction(session_, dialect_, [&] { work(*this); });
    } catch (...) {
        inTransaction_ = false;
        throw;
    }
    inTransaction_ = false;
}

// Agencies

std::optional<core::Agency> SessionStorage::findAgency(const std::string& code)
{
    return translated(dialect_, "findAgency", [&] {
        return queryOne<AgencyRow>(session_, select<AgencyRow>("WHERE code = :code"), code);
    });
}

void SessionStorage::upsertAgency(const core::Agency& agency)
{
    translated(dialect_, "upsertAgency", [&] {
        Statement statement(session_);
        AgencyRow::use(statement, agency);
        statement.execute(insertSql(AgencyRow::table, AgencyRow::columns)
            + " ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region, "
              "expected_ca = excluded.expected_ca, expected_identifier = "
              "excluded.expected_identifier, updated_at = excluded.updated_at");
    });
}

std::vector<core::Agency> SessionStorage::listAgencies(const core::AgencyQuery& query)
{
    return translated(dialect_, "listAgencies", [&] {
        const AgencyFilter filter(query.text);
        return queryAll<AgencyRow>(session_,
            select<AgencyRow>(
                std::string(agencyWhere) + " ORDER BY code LIMIT :limit OFFSET :offset"),
            filter.prefix, filter.substring, query.limit, query.offset);
    });
}

std::int64_t SessionStorage::countAgencies(const core::AgencyQuery& query)
{
    return translated(dialect_, "countAgencies", [&] {
        const AgencyFilter filter(query.text);
        return queryOne<IntegerRow>(session_,
            "SELECT COUNT(*) FROM agencies " + std::string(agencyWhere), filter.prefix,
            filter.substring)
            .value_or(0);
    });
}

// Registrations and certificate history

void SessionStorage::lockAgency(const std::string& code)
{
    translated(dialect_, "lockAgency", [&] { dialect_.lockAgency(session_, code); });
}

std::optional<core::Registration> SessionStorage::findRegistration(const std::string& agencyCode)
{
    return translated(dialect_, "findRegistration", [&] {
        return queryOne<RegistrationRow>(
            session_, select<RegistrationRow>("WHERE agency_code = :code"), agencyCode);
    });
}

void SessionStorage::insertRegistration(const core::Registration& registration)
{
    translated(dialect_, "insertRegistration",
        [&] { insertRecord<RegistrationRow>(session_, registration); });
}

void SessionStorage::updateRegistration(const core::Registration& r)
{
    translated(dialect_, "updateRegistration", [&] {
        requireOneRow(
            execute(session_,
                "UPDATE registrations SET org_certificate_id = :cert, manager_id = "
                ":manager, registered_at = :registered, updated_at = :updated WHERE "
                "agency_code = :code",
                r.orgCertificateId, r.managerId, r.registeredAt, r.updatedAt, r.agencyCode),
            "updateRegistration", r.agencyCode);
    });
}

std::vector<core::Registration> SessionStorage::listRegistrations(int limit, int offset)
{
    return translated(dialect_, "listRegistrations", [&] {
        return queryAll<RegistrationRow>(session_,
            select<RegistrationRow>("ORDER BY agency_code LIMIT :limit OFFSET :offset"), limit,
            offset);
    });
}

void SessionStorage::insertOrgCertificate(const core::OrganisationCertificate& certificate)
{
    translated(dialect_, "insertOrgCertificate",
        [&] { insertRecord<OrgCertificateRow>(session_, certificate); });
}

std::optional<core::OrganisationCertificate> SessionStorage::findOrgCertificate(
    const std::string& id)
{
    return translated(dialect_, "findOrgCertificate", [&] {
        return queryOne<OrgCertificateRow>(
            session_, select<OrgCertificateRow>("WHERE id = :id"), id);
    });
}

void SessionStorage::markOrgCertificateReplaced(const std::string& id, std::int64_t at)
{
    translated(dialect_, "markOrgCertificateReplaced", [&] {
        requireOneRow(execute(session_,
                          "UPDATE org_certificates SET replaced_at = :at WHERE id = :id", at, id),
            "markOrgCertificateReplaced", id);
    });
}

std::vector<core::OrganisationCertificate> SessionStorage::listOrgCertificates(
    const std::string& agencyCode)
{
    return translated(dialect_, "listOrgCertificates", [&] {
        return queryAll<OrgCertificateRow>(session_,
            select<OrgCertificateRow>(
                "WHERE agency_code = :code ORDER BY registered_at DESC, id DESC"),
            agencyCode);
    });
}

void SessionStorage::insertManager(const core::Manager& manager)
{
    translated(dialect_, "insertManager", [&] { insertRecord<ManagerRow>(session_, manager); });
}

std::optional<core::Manager> SessionStorage::findManager(const std::string& id)
{
    return translated(dialect_, "findManager",
        [&] { return queryOne<ManagerRow>(session_, select<ManagerRow>("WHERE id = :id"), id); });
}

void SessionStorage::updateManagerContact(const core::Manager& m)
{
    translated(dialect_, "updateManagerContact", [&] {
        requireOneRow(execute(session_,
                          "UPDATE managers SET name = :name, email = :email, phone = :phone, "
                          "extension = :extension WHERE id = :id",
                          m.name, m.email, m.phone, m.extension, m.id),
            "updateManagerContact", m.id);
    });
}

void SessionStorage::markManagerReplaced(const std::string& id, std::int64_t at)
{
    translated(dialect_, "markManagerReplaced", [&] {
        requireOneRow(
            execute(session_, "UPDATE managers SET replaced_at = :at WHERE id = :id", at, id),
            "markManagerReplaced", id);
    });
}

std::vector<core::Manager> SessionStorage::listManagers(const std::string& agencyCode)
{
    return translated(dialect_, "listManagers", [&] {
        return queryAll<ManagerRow>(session_,
            select<ManagerRow>("WHERE agency_code = :code ORDER BY registered_at DESC, id DESC"),
            agencyCode);
    });
}

// Operators

void SessionStorage::insertOperator(const core::Operator& op)
{
    translated(dialect_, "insertOperator", [&] { insertRecord<OperatorRow>(session_, op); },
        { duplicateOperator });
}

void SessionStorage::updateOperator(const core::Operator& op)
{
    translated(dialect_, "updateOperator",
        [&] {
            requireOneRow(
                execute(session_,
                    "UPDATE operators SET cert_issuer = :issuer, cert_issuer_key_id = "
                    ":keyid, cert_serial = :serial, name = :name, national_id_enc = "
                    ":enc, national_id_hash = :hash, functions = :functions, "
                    "updated_at = :updated WHERE id = :id AND deleted_at IS NULL",
                    op.certIssuer, op.certIssuerKeyId, op.certSerial, op.name, op.nationalIdEnc,
                    op.nationalIdHash, encodeStringList(op.functions), op.updatedAt, op.id),
                "updateOperator", op.id);
        },
        { duplicateOperator });
}

void SessionStorage::markOperatorDeleted(const std::string& id, std::int64_t at)
{
    translated(dialect_, "markOperatorDeleted", [&] {
        requireOneRow(execute(session_,
                          "UPDATE operators SET deleted_at = :at WHERE id = :id AND deleted_at IS "
                          "NULL",
                          at, id),
            "markOperatorDeleted", id);
    });
}

std::optional<core::Operator> SessionStorage::findOperator(const std::string& id)
{
    return translated(dialect_, "findOperator",
        [&] { return queryOne<OperatorRow>(session_, select<OperatorRow>("WHERE id = :id"), id); });
}

std::vector<core::Operator> SessionStorage::listOperators(const std::string& agencyCode)
{
    return translated(dialect_, "listOperators", [&] {
        return queryAll<OperatorRow>(session_,
            select<OperatorRow>("WHERE agency_code = :code AND deleted_at IS NULL ORDER BY "
                                "created_at, id"),
            agencyCode);
    });
}

std::vector<core::Operator> SessionStorage::findOperatorsByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return translated(dialect_, "findOperatorsByCertificate", [&] {
        return queryAll<OperatorRow>(session_,
            select<OperatorRow>("WHERE cert_serial = :serial AND cert_issuer = :issuer AND "
                                "deleted_at IS NULL ORDER BY agency_code, created_at, id"),
            serial, issuer);
    });
}

// Receipts and counters

void SessionStorage::insertReceipt(const core::Receipt& receipt)
{
    translated(dialect_, "insertReceipt", [&] { insertRecord<ReceiptRow>(session_, receipt); });
}

void SessionStorage::updateReceiptStatus(const std::string& id, core::ReceiptStatus status)
{
    translated(dialect_, "updateReceiptStatus", [&] {
        requireOneRow(execute(session_, "UPDATE receipts SET status = :status WHERE id = :id",
                          toColumn(status), id),
            "updateReceiptStatus", id);
    });
}

std::vector<core::Receipt> SessionStorage::listReceipts(const std::string& agencyCode)
{
    return translated(dialect_, "listReceipts", [&] {
        return queryAll<ReceiptRow>(session_,
            select<ReceiptRow>("WHERE agency_code = :code ORDER BY received_at DESC, number DESC"),
            agencyCode);
    });
}

std::optional<core::Receipt> SessionStorage::findReceipt(const std::string& id)
{
    return translated(dialect_, "findReceipt",
        [&] { return queryOne<ReceiptRow>(session_, select<ReceiptRow>("WHERE id = :id"), id); });
}

std::int64_t SessionStorage::nextCounter(const std::string& name)
{
    // One statement, so atomic on both backends without an explicit transaction.
    return translated(dialect_, "nextCounter", [&] {
        const auto value = queryOne<IntegerRow>(session_,
            "INSERT INTO counters (name, value) VALUES (:name, 1) ON CONFLICT (name) DO UPDATE "
            "SET value = counters.value + 1 RETURNING value",
            name);
        if (!value)
            throw core::Error(ErrorCode::InternalError, "nextCounter: no value returned");
        return *value;
    });
}

// Reviews

void SessionStorage::insertReview(const core::Review& review)
{
    translated(dialect_, "insertReview", [&] { insertRecord<ReviewRow>(session_, review); });
}

void SessionStorage::updateReview(const core::Review& review)
{
    translated(dialect_, "updateReview", [&] {
        Statement statement(session_);
        ReviewRow::useAfterId(statement, review);
        statement.use(review.id);
        std::string assignments;
        std::string_view columns = ReviewRow::columns.substr(ReviewRow::columns.find(',') + 2);
        while (!columns.empty()) {
            const auto comma = columns.find(',');
            const auto column = columns.substr(0, comma);
            assignments += (assignments.empty() ? "" : ", ") + std::string(column)
                + " = :" + std::string(column);
            columns
                = comma == std::string_view::npos ? std::string_view {} : columns.substr(comma + 2);
        }
        statement.execute("UPDATE reviews SET " + assignments + " WHERE id = :id");
        requireOneRow(statement.affectedRows(), "updateReview", review.id);
    });
}

std::optional<core::Review> SessionStorage::findReview(const std::string& id)
{
    return translated(dialect_, "findReview",
        [&] { return queryOne<ReviewRow>(session_, select<ReviewRow>("WHERE id = :id"), id); });
}

std::vector<core::Review> SessionStorage::listReviews(
    std::optional<core::ReviewStatus> status, int limit, int offset)
{
    // The queue: oldest case first.
    return translated(dialect_, "listReviews", [&] {
        if (status) {
            return queryAll<ReviewRow>(session_,
                select<ReviewRow>("WHERE status = :status ORDER BY created_at, id LIMIT :limit "
                                  "OFFSET :offset"),
                toColumn(*status), limit, offset);
        }
        return queryAll<ReviewRow>(session_,
            select<ReviewRow>("ORDER BY created_at, id LIMIT :limit OFFSET :offset"), limit,
            offset);
    });
}

std::vector<core::Review> SessionStorage::listAgencyReviews(const std::string& agencyCode)
{
    return translated(dialect_, "listAgencyReviews", [&] {
        return queryAll<ReviewRow>(session_,
            select<ReviewRow>("WHERE agency_code = :code ORDER BY created_at DESC, id DESC"),
            agencyCode);
    });
}

// Flows and nonces

void SessionStorage::insertFlow(const core::Flow& flow)
{
    translated(dialect_, "insertFlow", [&] { insertRecord<FlowRow>(session_, flow); });
}

std::optional<core::Flow> SessionStorage::findFlow(const std::string& id)
{
    return translated(dialect_, "findFlow",
        [&] { return queryOne<FlowRow>(session_, select<FlowRow>("WHERE id = :id"), id); });
}

bool SessionStorage::updateFlow(const core::Flow& f)
{
    return translated(dialect_, "updateFlow", [&] {
        const std::int64_t previousVersion = f.version - 1;
        return execute(session_,
                   "UPDATE flows SET type = :type, session_hash = :session, csrf_token = :csrf, "
                   "step = :step, state = :state, agency_code = :agency, expires_at = :expires, "
                   "version = :version WHERE id = :id AND version = :previous",
                   f.type, f.sessionHash, f.csrfToken, f.step, f.state, f.agencyCode, f.expiresAt,
                   f.version, f.id, previousVersion)
            == 1;
    });
}

void SessionStorage::insertNonce(const core::Nonce& n)
{
    translated(dialect_, "insertNonce", [&] {
        execute(session_,
            "INSERT INTO nonces (value, flow_id, purpose, created_at, expires_at) VALUES (:value, "
            ":flow, :purpose, :created, :expires)",
            n.value, n.flowId, n.purpose, n.createdAt, n.expiresAt);
    });
}

core::NonceOutcome SessionStorage::consumeNonce(const std::string& value, const std::string& flowId,
    const std::string& purpose, std::int64_t now)
{
    return translated(dialect_, "consumeNonce", [&] {
        // The conditional UPDATE is the consumption (SPEC §5): of any number of concurrent
        // callers on any number of instances, exactly one sees one affected row.
        const auto consumed = execute(session_,
            "UPDATE nonces SET used_at = :now WHERE value = :value AND flow_id = :flow AND "
            "purpose = :purpose AND used_at IS NULL AND expires_at > :now2",
            now, value, flowId, purpose, now);
        if (consumed == 1)
            return core::NonceOutcome::Consumed;
        const auto state = queryOne<NonceStateRow>(session_,
            "SELECT expires_at, used_at FROM nonces WHERE value = :value AND flow_id = :flow AND "
            "purpose = :purpose",
            value, flowId, purpose);
        // Checked in the order SPEC §5 lists them: unknown, expired, replayed.
        if (!state)
            return core::NonceOutcome::Unknown;
        if (state->expiresAt <= now)
            return core::NonceOutcome::Expired;
        if (state->usedAt.get())
            return core::NonceOutcome::Replayed;
        throw core::Error(
            ErrorCode::InternalError, "consumeNonce: nonce neither used nor consumed");
    });
}

void SessionStorage::purgeExpired(std::int64_t before)
{
    transaction([&](core::Storage&) {
        translated(dialect_, "purgeExpired", [&] {
            execute(session_, "DELETE FROM nonces WHERE expires_at < :before", before);
            execute(session_, "DELETE FROM flows WHERE expires_at < :before", before);
            execute(session_, "DELETE FROM staff_sessions WHERE expires_at < :before", before);
            // Rate-limit windows are a minute long; anything before `before` is long over.
            execute(session_, "DELETE FROM rate_limits WHERE window_start < :before", before);
        });
    });
}

// Ops staff

void SessionStorage::insertStaff(const core::Staff& staff)
{
    translated(dialect_, "insertStaff", [&] { insertRecord<StaffRow>(session_, staff); });
}

void SessionStorage::updateStaff(const core::Staff& s)
{
    translated(dialect_, "updateStaff", [&] {
        requireOneRow(
            execute(session_,
                "UPDATE staff SET name = :name, cert_issuer = :issuer, cert_serial = "
                ":serial, role = :role, created_at = :created, disabled_at = :disabled "
                "WHERE id = :id",
                s.name, s.certIssuer, s.certSerial, s.role, s.createdAt, s.disabledAt, s.id),
            "updateStaff", s.id);
    });
}

std::optional<core::Staff> SessionStorage::findStaff(const std::string& id)
{
    return translated(dialect_, "findStaff",
        [&] { return queryOne<StaffRow>(session_, select<StaffRow>("WHERE id = :id"), id); });
}

std::optional<core::Staff> SessionStorage::findStaffByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return translated(dialect_, "findStaffByCertificate", [&] {
        return queryOne<StaffRow>(session_,
            select<StaffRow>("WHERE cert_issuer = :issuer AND cert_serial = :serial"), issuer,
            serial);
    });
}

std::vector<core::Staff> SessionStorage::listStaff()
{
    return translated(dialect_, "listStaff",
        [&] { return queryAll<StaffRow>(session_, select<StaffRow>("ORDER BY name, id")); });
}

void SessionStorage::insertStaffSession(const core::StaffSession& session)
{
    translated(
        dialect_, "insertStaffSession", [&] { insertRecord<StaffSessionRow>(session_, session); });
}

std::optional<core::StaffSession> SessionStorage::findStaffSession(const std::string& idHash)
{
    return translated(dialect_, "findStaffSession", [&] {
        return queryOne<StaffSessionRow>(
            session_, select<StaffSessionRow>("WHERE id_hash = :hash"), idHash);
    });
}

void SessionStorage::deleteStaffSession(const std::string& idHash)
{
    translated(dialect_, "deleteStaffSession",
        [&] { execute(session_, "DELETE FROM staff_sessions WHERE id_hash = :hash", idHash); });
}

// Audit log

void SessionStorage::lockAuditChain()
{
    translated(dialect_, "lockAuditChain", [&] { dialect_.lockAuditChain(session_); });
}

std::optional<core::AuditEvent> SessionStorage::lastAuditEvent()
{
    return translated(dialect_, "lastAuditEvent", [&] {
        return queryOne<AuditEventRow>(
            session_, select<AuditEventRow>("ORDER BY seq DESC LIMIT 1"));
    });
}

void SessionStorage::insertAuditEvent(const core::AuditEvent& event)
{
    translated(dialect_, "insertAuditEvent", [&] { insertRecord<AuditEventRow>(session_, event); },
        { auditSeqConflict });
}

std::vector<core::AuditEvent> SessionStorage::listAuditEvents(std::int64_t fromSeq, int limit)
{
    return translated(dialect_, "listAuditEvents", [&] {
        return queryAll<AuditEventRow>(session_,
            select<AuditEventRow>("WHERE seq >= :from ORDER BY seq LIMIT :limit"), fromSeq, limit);
    });
}

std::vector<core::AuditEvent> SessionStorage::listAuditEventsNewestFirst(int limit, int offset)
{
    return translated(dialect_, "listAuditEventsNewestFirst", [&] {
        return queryAll<AuditEventRow>(session_,
            select<AuditEventRow>("ORDER BY seq DESC LIMIT :limit OFFSET :offset"), limit, offset);
    });
}

// Rate limits

std::int64_t SessionStorage::hitRateLimit(const std::string& key, std::int64_t windowStart)
{
    return translated(dialect_, "hitRateLimit", [&] {
        const auto hits = queryOne<IntegerRow>(session_,
            "INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :window, 1) ON "
            "CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
            key, windowStart);
        if (!hits)
            throw core::Error(ErrorCode::InternalError, "hitRateLimit: no count returned");
        return *hits;
    });
}

std::string SessionStorage::backend() const
{
    return dialect_.name();
}

// Throws, translated, when the database does not answer, so that the pool learns of the
// outage; SociStorage::ping answers false then.
bool SessionStorage::ping()
{
    return translated(dialect_, "ping", [&] {
        return queryOne<IntegerRow>(session_, "SELECT 1") == std::optional<std::int64_t>(1);
    });
}

} // namespace certgate::db
