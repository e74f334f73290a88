// core::Storage, receipts and named counters: SociStorage's methods for them.

#include "RecordCodec.hpp"
#include "Repository.hpp"

namespace certgate::db {

void SociStorage::insertReceipt(const core::Receipt& receipt)
{
    run("insertReceipt", [&](SqlSession& db) { db.insert(receipt); });
}

void SociStorage::updateReceiptStatus(const std::string& id, core::ReceiptStatus status)
{
    run("updateReceiptStatus", [&](SqlSession& db) {
        requireOneRow(
            db.execute("UPDATE receipts SET status = :status WHERE id = :id", toColumn(status), id),
            "updateReceiptStatus", id);
    });
}

std::vector<core::Receipt> SociStorage::listReceipts(const std::string& agencyCode)
{
    return run("listReceipts", [&](SqlSession& db) {
        return db.findAll<core::Receipt>(
            "WHERE agency_code = :code ORDER BY received_at DESC, number DESC", agencyCode);
    });
}

std::optional<core::Receipt> SociStorage::findReceipt(const std::string& id)
{
    return run("findReceipt",
        [&](SqlSession& db) { return db.findOne<core::Receipt>("WHERE id = :id", id); });
}

// One statement, so atomic on every backend without an explicit transaction.
std::int64_t SociStorage::nextCounter(const std::string& name)
{
    return run("nextCounter", [&](SqlSession& db) {
        const auto value = db.queryInteger("INSERT INTO counters (name, value) VALUES (:name, 1)"
                + db.dialect().onConflictUpdate("name", "value = counters.value + 1")
                + " RETURNING value",
            name);
        if (!value)
            throw core::Error(core::ErrorCode::InternalError, "nextCounter: no value returned");
        return *value;
    });
}

} // namespace certgate::db
