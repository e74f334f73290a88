// core::Storage, the stored national IDs as key rotation sees them: SociStorage's methods for
// them (the ciphertext's spelling names its key, so a key's rows are a prefix match).

#include "Repository.hpp"

namespace certgate::db {
namespace {

const char* tableName(core::NationalIdTable table)
{
    return table == core::NationalIdTable::Managers ? "managers" : "operators";
}

template <typename Record>
std::vector<core::StoredNationalId> notUnder(
    SqlSession& db, const std::string& encPrefix, const std::string& afterId, int limit)
{
    std::vector<core::StoredNationalId> out;
    for (const auto& row : db.findAll<Record>(
             "WHERE national_id_enc NOT LIKE :pattern AND id > :after ORDER BY id LIMIT :limit",
             encPrefix + "%", afterId, limit))
        out.push_back({ row.id, row.nationalIdEnc, row.nationalIdHash });
    return out;
}

} // namespace

std::vector<core::StoredNationalId> SociStorage::listNationalIdsNotUnder(
    core::NationalIdTable table, const std::string& encPrefix, const std::string& afterId,
    int limit)
{
    return run("listNationalIdsNotUnder", [&](SqlSession& db) {
        return table == core::NationalIdTable::Managers
            ? notUnder<core::Manager>(db, encPrefix, afterId, limit)
            : notUnder<core::Operator>(db, encPrefix, afterId, limit);
    });
}

bool SociStorage::rewriteNationalId(core::NationalIdTable table, const core::StoredNationalId& was,
    const std::string& enc, const std::string& hash)
{
    return run("rewriteNationalId", [&](SqlSession& db) {
        return db.execute(std::string("UPDATE ") + tableName(table)
                       + " SET national_id_enc = :enc, national_id_hash = :hash WHERE id = :id "
                         "AND national_id_enc = :was",
                   enc, hash, was.id, was.enc)
            > 0;
    });
}

std::int64_t SociStorage::countNationalIds(const std::string& encPrefix, bool under)
{
    return run("countNationalIds", [&](SqlSession& db) {
        const std::string where = under ? " WHERE national_id_enc LIKE :pattern"
                                        : " WHERE national_id_enc NOT LIKE :pattern";
        std::int64_t total = 0;
        for (const auto* table : { "managers", "operators" })
            total += db.queryInteger(
                           std::string("SELECT COUNT(*) FROM ") + table + where, encPrefix + "%")
                         .value_or(0);
        return total;
    });
}

std::int64_t SociStorage::countFlowsHolding(const std::string& encPrefix)
{
    return run("countFlowsHolding", [&](SqlSession& db) {
        return db
            .queryInteger(
                "SELECT COUNT(*) FROM flows WHERE state LIKE :pattern", "%\"" + encPrefix + "%")
            .value_or(0);
    });
}

} // namespace certgate::db
