// core::Storage, rate limits (fixed windows, shared by every instance): SociStorage's method
// for them.

#include "Repository.hpp"

namespace certgate::db {

std::int64_t SociStorage::hitRateLimit(const std::string& key, std::int64_t windowStart)
{
    return run("hitRateLimit", [&](SqlSession& db) {
        const auto hits = db.queryInteger(
            "INSERT INTO rate_limits (\"key\", window_start, hits) VALUES (:key, :window, 1)"
                + db.dialect().onConflictUpdate(
                    "\"key\", window_start", "hits = rate_limits.hits + 1")
                + " RETURNING hits",
            key, windowStart);
        if (!hits)
            throw core::Error(core::ErrorCode::InternalError, "hitRateLimit: no count returned");
        return *hits;
    });
}

} // namespace certgate::db
