// core::Storage, review cases: SociStorage's methods for them.

#include "RecordCodec.hpp"
#include "Repository.hpp"

namespace certgate::db {

void SociStorage::insertReview(const core::Review& review)
{
    run("insertReview", [&](SqlSession& db) { db.insert(review); });
}

void SociStorage::updateReview(const core::Review& review)
{
    run("updateReview",
        [&](SqlSession& db) { requireOneRow(db.update(review, "id"), "updateReview", review.id); });
}

std::optional<core::Review> SociStorage::findReview(const std::string& id)
{
    return run("findReview",
        [&](SqlSession& db) { return db.findOne<core::Review>("WHERE id = :id", id); });
}

// The queue: oldest case first.
std::vector<core::Review> SociStorage::listReviews(
    std::optional<core::ReviewStatus> status, int limit, int offset)
{
    return run("listReviews", [&](SqlSession& db) {
        if (status) {
            return db.findAll<core::Review>(
                "WHERE status = :status ORDER BY created_at, id LIMIT :limit OFFSET :offset",
                toColumn(*status), limit, offset);
        }
        return db.findAll<core::Review>(
            "ORDER BY created_at, id LIMIT :limit OFFSET :offset", limit, offset);
    });
}

std::int64_t SociStorage::countReviews(core::ReviewStatus status)
{
    return run("countReviews", [&](SqlSession& db) {
        return db
            .queryInteger("SELECT COUNT(*) FROM reviews WHERE status = :status", toColumn(status))
            .value_or(0);
    });
}

std::vector<core::Review> SociStorage::listAgencyReviews(const std::string& agencyCode)
{
    return run("listAgencyReviews", [&](SqlSession& db) {
        return db.findAll<core::Review>(
            "WHERE agency_code = :code ORDER BY created_at DESC, id DESC", agencyCode);
    });
}

} // namespace certgate::db
