#pragma once

#include <certgate/core/Records.hpp>

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace certgate::db {

// How each record is stored: its table and its columns, each named once, in the order of
// sql/0001_initial.sql. One generic soci::type_conversion (below) reads and writes every
// mapped record through soci::values by these names, so `soci::into(agency)` and
// `soci::use(agency)` need no hand-written column list per table and direction.

/// A column holding one member of `Record`.
template <typename Record, typename Member> struct Column {
    std::string_view name;
    Member Record::*member;
};

/// A member that is itself a mapped value (a certificate), its columns named `prefix` + name.
template <typename Record, typename Member> struct Embedded {
    std::string_view prefix;
    Member Record::*member;
};

/// Specialised for every stored type: `columns` (a tuple of Column and Embedded), and `table`
/// for the types that are rows of their own.
template <typename T> struct Mapping {
};

/// A type that is a row of its own table.
template <typename T>
concept StoredRecord = requires
{
    Mapping<T>::table;
    Mapping<T>::columns;
};

template <> struct Mapping<core::CertificateRef> {
    using R = core::CertificateRef;
    static constexpr auto columns
        = std::tuple(Column { "ca", &R::ca }, Column { "issuer", &R::issuer },
            Column { "issuer_key_id", &R::issuerKeyId }, Column { "serial", &R::serial },
            Column { "subject", &R::subject }, Column { "not_before", &R::notBefore },
            Column { "not_after", &R::notAfter }, Column { "der_base64", &R::derBase64 });
};

template <> struct Mapping<core::Agency> {
    using R = core::Agency;
    static constexpr std::string_view table = "agencies";
    static constexpr auto columns
        = std::tuple(Column { "code", &R::code }, Column { "name", &R::name },
            Column { "region", &R::region }, Column { "expected_ca", &R::expectedCa },
            Column { "expected_identifier", &R::expectedIdentifier },
            Column { "updated_at", &R::updatedAt });
};

template <> struct Mapping<core::OrganisationCertificate> {
    using R = core::OrganisationCertificate;
    static constexpr std::string_view table = "org_certificates";
    static constexpr auto columns = std::tuple(Column { "id", &R::id },
        Column { "agency_code", &R::agencyCode }, Embedded { "", &R::cert },
        Column { "identifier", &R::identifier }, Column { "identifier_type", &R::identifierType },
        Column { "organisation_name", &R::organisationName },
        Column { "registered_at", &R::registeredAt }, Column { "replaced_at", &R::replacedAt });
};

template <> struct Mapping<core::Manager> {
    using R = core::Manager;
    static constexpr std::string_view table = "managers";
    static constexpr auto columns = std::tuple(Column { "id", &R::id },
        Column { "agency_code", &R::agencyCode }, Column { "name", &R::name },
        Column { "email", &R::email }, Column { "phone", &R::phone },
        Column { "extension", &R::extension }, Column { "national_id_enc", &R::nationalIdEnc },
        Column { "national_id_hash", &R::nationalIdHash }, Embedded { "cert_", &R::cert },
        Column { "registered_at", &R::registeredAt }, Column { "replaced_at", &R::replacedAt });
};

template <> struct Mapping<core::Registration> {
    using R = core::Registration;
    static constexpr std::string_view table = "registrations";
    static constexpr auto columns = std::tuple(Column { "agency_code", &R::agencyCode },
        Column { "org_certificate_id", &R::orgCertificateId },
        Column { "manager_id", &R::managerId }, Column { "registered_at", &R::registeredAt },
        Column { "updated_at", &R::updatedAt });
};

template <> struct Mapping<core::Operator> {
    using R = core::Operator;
    static constexpr std::string_view table = "operators";
    static constexpr auto columns = std::tuple(Column { "id", &R::id },
        Column { "agency_code", &R::agencyCode }, Column { "cert_issuer", &R::certIssuer },
        Column { "cert_issuer_key_id", &R::certIssuerKeyId },
        Column { "cert_serial", &R::certSerial }, Column { "name", &R::name },
        Column { "national_id_enc", &R::nationalIdEnc },
        Column { "national_id_hash", &R::nationalIdHash }, Column { "functions", &R::functions },
        Column { "created_at", &R::createdAt }, Column { "updated_at", &R::updatedAt },
        Column { "deleted_at", &R::deletedAt });
};

template <> struct Mapping<core::Receipt> {
    using R = core::Receipt;
    static constexpr std::string_view table = "receipts";
    static constexpr auto columns = std::tuple(Column { "id", &R::id },
        Column { "number", &R::number }, Column { "agency_code", &R::agencyCode },
        Column { "kind", &R::kind }, Column { "status", &R::status },
        Column { "received_at", &R::receivedAt }, Column { "review_id", &R::reviewId });
};

template <> struct Mapping<core::Review> {
    using R = core::Review;
    static constexpr std::string_view table = "reviews";
    static constexpr auto columns = std::tuple(Column { "id", &R::id },
        Column { "agency_code", &R::agencyCode }, Column { "receipt_id", &R::receiptId },
        Column { "flow_type", &R::flowType }, Column { "applicant_name", &R::applicantName },
        Column { "applicant_phone", &R::applicantPhone },
        Column { "presented_ca", &R::presentedCa },
        Column { "presented_identifier", &R::presentedIdentifier },
        Column { "presented_organisation_name", &R::presentedOrganisationName },
        Column { "expected_identifier", &R::expectedIdentifier },
        Embedded { "cert_", &R::presentedCert }, Column { "status", &R::status },
        Column { "created_at", &R::createdAt }, Column { "decided_at", &R::decidedAt },
        Column { "decided_by", &R::decidedBy }, Column { "note", &R::note },
        Column { "effective_from", &R::effectiveFrom });
};

template <> struct Mapping<core::Flow> {
    using R = core::Flow;
    static constexpr std::string_view table = "flows";
    static constexpr auto columns = std::tuple(Column { "id", &R::id }, Column { "type", &R::type },
        Column { "session_hash", &R::sessionHash }, Column { "csrf_token", &R::csrfToken },
        Column { "step", &R::step }, Column { "state", &R::state },
        Column { "agency_code", &R::agencyCode }, Column { "created_at", &R::createdAt },
        Column { "expires_at", &R::expiresAt }, Column { "version", &R::version });
};

template <> struct Mapping<core::Nonce> {
    using R = core::Nonce;
    static constexpr std::string_view table = "nonces";
    static constexpr auto columns = std::tuple(Column { "value", &R::value },
        Column { "flow_id", &R::flowId }, Column { "purpose", &R::purpose },
        Column { "created_at", &R::createdAt }, Column { "expires_at", &R::expiresAt });
};

template <> struct Mapping<core::Staff> {
    using R = core::Staff;
    static constexpr std::string_view table = "staff";
    static constexpr auto columns = std::tuple(Column { "id", &R::id }, Column { "name", &R::name },
        Column { "cert_issuer", &R::certIssuer }, Column { "cert_serial", &R::certSerial },
        Column { "role", &R::role }, Column { "created_at", &R::createdAt },
        Column { "disabled_at", &R::disabledAt });
};

template <> struct Mapping<core::StaffSession> {
    using R = core::StaffSession;
    static constexpr std::string_view table = "staff_sessions";
    static constexpr auto columns = std::tuple(Column { "id_hash", &R::idHash },
        Column { "staff_id", &R::staffId }, Column { "csrf_token", &R::csrfToken },
        Column { "created_at", &R::createdAt }, Column { "expires_at", &R::expiresAt });
};

template <> struct Mapping<core::CardStatistic> {
    using R = core::CardStatistic;
    static constexpr std::string_view table = "card_statistics";
    static constexpr auto columns = std::tuple(Column { "minute_start", &R::minuteStart },
        Column { "ca", &R::ca }, Column { "result_code", &R::result }, Column { "hits", &R::hits });
};

template <> struct Mapping<core::AuditEvent> {
    using R = core::AuditEvent;
    static constexpr std::string_view table = "audit_events";
    static constexpr auto columns = std::tuple(Column { "seq", &R::seq }, Column { "at", &R::at },
        Column { "actor", &R::actor }, Column { "action", &R::action },
        Column { "outcome", &R::outcome }, Column { "error_code", &R::errorCode },
        Column { "agency_code", &R::agencyCode }, Column { "subject", &R::subject },
        Column { "details", &R::details }, Column { "prev_hash", &R::prevHash },
        Column { "hash", &R::hash }, Column { "key_id", &R::keyId });
};

// One column's value in soci::values, by the member's type. Integers are read whether the
// backend describes the column as dt_integer or dt_long_long (SOCI 4.0 throws bad_cast for
// the other one); a nullable column is a std::optional and its indicator; enums and the
// operators' function list and a flow's state are spelled as RecordCodec spells them.

void readColumn(const soci::values& row, const std::string& name, std::string& value);
void readColumn(const soci::values& row, const std::string& name, std::int64_t& value);
void readColumn(
    const soci::values& row, const std::string& name, std::optional<std::int64_t>& value);
void readColumn(const soci::values& row, const std::string& name, std::vector<std::string>& value);
void readColumn(const soci::values& row, const std::string& name, core::FlowState& value);
void readColumn(const soci::values& row, const std::string& name, core::ReceiptKind& value);
void readColumn(const soci::values& row, const std::string& name, core::ReceiptStatus& value);
void readColumn(const soci::values& row, const std::string& name, core::ReviewStatus& value);

void writeColumn(soci::values& row, const std::string& name, const std::string& value);
void writeColumn(soci::values& row, const std::string& name, std::int64_t value);
void writeColumn(
    soci::values& row, const std::string& name, const std::optional<std::int64_t>& value);
void writeColumn(soci::values& row, const std::string& name, const std::vector<std::string>& value);
void writeColumn(soci::values& row, const std::string& name, const core::FlowState& value);
void writeColumn(soci::values& row, const std::string& name, core::ReceiptKind value);
void writeColumn(soci::values& row, const std::string& name, core::ReceiptStatus value);
void writeColumn(soci::values& row, const std::string& name, core::ReviewStatus value);

/// Calls `visit(columnName, member)` for every column of `value` (const or not), embedded
/// values' columns included, in their order.
template <typename Value, typename Visit>
void forEachColumn(Value& value, const Visit& visit, const std::string& prefix = {})
{
    std::apply([&](const auto&... columns) { (visitColumn(columns, value, visit, prefix), ...); },
        Mapping<std::remove_const_t<Value>>::columns);
}

template <typename Record, typename Member, typename Value, typename Visit>
void visitColumn(const Column<Record, Member>& column, Value& value, const Visit& visit,
    const std::string& prefix)
{
    visit(prefix + std::string(column.name), value.*column.member);
}

template <typename Record, typename Member, typename Value, typename Visit>
void visitColumn(const Embedded<Record, Member>& embedded, Value& value, const Visit& visit,
    const std::string& prefix)
{
    forEachColumn(value.*embedded.member, visit, prefix + std::string(embedded.prefix));
}

/// The column names of `Record`, in order.
template <StoredRecord Record> const std::vector<std::string>& columnNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        const Record sample {};
        forEachColumn(sample, [&](const std::string& name, const auto&) { list.push_back(name); });
        return list;
    }();
    return names;
}

} // namespace certgate::db

namespace soci {

/// Every mapped record goes in and out of SOCI as soci::values named by its columns.
template <certgate::db::StoredRecord Record> struct type_conversion<Record> {
    using base_type = values;

    static void from_base(const values& row, indicator, Record& record)
    {
        certgate::db::forEachColumn(record, [&](const std::string& name, auto& member) {
            certgate::db::readColumn(row, name, member);
        });
    }

    static void to_base(const Record& record, values& row, indicator& state)
    {
        certgate::db::forEachColumn(record, [&](const std::string& name, const auto& member) {
            certgate::db::writeColumn(row, name, member);
        });
        state = i_ok;
    }
};

} // namespace soci
