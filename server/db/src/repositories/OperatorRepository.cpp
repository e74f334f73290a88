// core::Storage, operators (授權經辦人): SociStorage's methods for them.

#include "RecordCodec.hpp"
#include "Repository.hpp"

namespace certgate::db {
namespace {

const UniqueRule duplicateOperator { { "operators_active_certificate_uq",
                                         "operators.agency_code, operators.cert_issuer, "
                                         "operators.cert_serial" },
    core::ErrorCode::DuplicateOperator, "certificate already authorised in this agency" };

} // namespace

void SociStorage::insertOperator(const core::Operator& op)
{
    run(
        "insertOperator", [&](SqlSession& db) { db.insert(op); }, duplicateOperator);
}

void SociStorage::updateOperator(const core::Operator& op)
{
    run(
        "updateOperator",
        [&](SqlSession& db) {
            requireOneRow(
                db.execute("UPDATE operators SET cert_issuer = :issuer, cert_issuer_key_id = "
                           ":keyid, cert_serial = :serial, name = :name, national_id_enc = "
                           ":enc, national_id_hash = :hash, functions = :functions, "
                           "updated_at = :updated WHERE id = :id AND deleted_at IS NULL",
                    op.certIssuer, op.certIssuerKeyId, op.certSerial, op.name, op.nationalIdEnc,
                    op.nationalIdHash, encodeStringList(op.functions), op.updatedAt, op.id),
                "updateOperator", op.id);
        },
        duplicateOperator);
}

void SociStorage::markOperatorDeleted(const std::string& id, std::int64_t at)
{
    run("markOperatorDeleted", [&](SqlSession& db) {
        requireOneRow(db.execute("UPDATE operators SET deleted_at = :at WHERE id = :id AND "
                                 "deleted_at IS NULL",
                          at, id),
            "markOperatorDeleted", id);
    });
}

std::optional<core::Operator> SociStorage::findOperator(const std::string& id)
{
    return run("findOperator",
        [&](SqlSession& db) { return db.findOne<core::Operator>("WHERE id = :id", id); });
}

std::vector<core::Operator> SociStorage::listOperators(const std::string& agencyCode)
{
    return run("listOperators", [&](SqlSession& db) {
        return db.findAll<core::Operator>(
            "WHERE agency_code = :code AND deleted_at IS NULL ORDER BY created_at, id", agencyCode);
    });
}

std::vector<core::Operator> SociStorage::findOperatorsByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return run("findOperatorsByCertificate", [&](SqlSession& db) {
        return db.findAll<core::Operator>(
            "WHERE cert_serial = :serial AND cert_issuer = :issuer AND deleted_at IS NULL "
            "ORDER BY agency_code, created_at, id",
            serial, issuer);
    });
}

} // namespace certgate::db
