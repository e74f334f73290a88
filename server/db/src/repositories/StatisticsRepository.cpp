// core::Storage, card verification counts per minute (the admin dashboard): SociStorage's
// methods for them.

#include "Repository.hpp"

namespace certgate::db {

void SociStorage::addCardStatistics(const std::vector<core::CardStatistic>& rows)
{
    if (rows.empty())
        return;
    run("addCardStatistics", [&](SqlSession& db) {
        db.atomically([&] {
            for (const auto& row : rows)
                db.insert(row,
                    db.dialect().onConflictUpdate("minute_start, ca, result_code",
                        "hits = card_statistics.hits + " + db.dialect().proposedValue("hits")));
        });
    });
}

std::vector<core::CardStatistic> SociStorage::listCardStatistics(std::int64_t fromMinute)
{
    return run("listCardStatistics", [&](SqlSession& db) {
        return db.findAll<core::CardStatistic>(
            "WHERE minute_start >= :from ORDER BY minute_start, ca, result_code", fromMinute);
    });
}

std::int64_t SociStorage::purgeCardStatistics(std::int64_t before)
{
    return run("purgeCardStatistics", [&](SqlSession& db) {
        return static_cast<std::int64_t>(
            db.execute("DELETE FROM card_statistics WHERE minute_start < :before", before));
    });
}

} // namespace certgate::db
