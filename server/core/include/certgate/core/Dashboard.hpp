#pragma once

#include <certgate/core/CardStatistics.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace certgate::core {

/// One count per bucket of a window, for one CA (accepted cards) or one error code (refusals).
struct DashboardSeries {
    std::string key;
    std::vector<std::int64_t> counts; ///< one per bucket
    std::int64_t total = 0;
};

struct DashboardCaTotals {
    std::string ca;
    std::int64_t accepted = 0;
    std::int64_t refused = 0;
};

/// Card verifications of the last hour (60 one-minute buckets) or day (24 one-hour buckets),
/// the last bucket the one now runs in.
struct DashboardWindow {
    std::int64_t from = 0; ///< start of the first bucket, Unix seconds
    std::int64_t bucketSeconds = 0;
    int buckets = 0;
    std::vector<DashboardSeries> acceptedByCa; ///< most cards first
    std::vector<DashboardSeries> refusedByResult; ///< most refusals first
    std::vector<DashboardCaTotals> byCa; ///< most cards first
    std::int64_t accepted = 0;
    std::int64_t refused = 0;
};

struct DashboardView {
    std::int64_t generatedAt = 0;
    DashboardWindow hour;
    DashboardWindow day;
    std::int64_t pendingReviews = 0;
};

/// The admin dashboard's numbers (issue 16 item 4): card logins and refusals per CA and per
/// error code, summed over every instance from the card_statistics rows, and the review queue.
class Dashboard {
public:
    Dashboard(Storage& storage, CardStatistics& statistics, const Clock& clock)
        : storage_(storage)
        , statistics_(statistics)
        , clock_(clock)
    {
    }

    /// Flushes this instance's counts first, so what it just judged is in the answer.
    DashboardView view();

    /// The window of `buckets` buckets of `bucketSeconds` ending with the one `now` is in,
    /// summed from `rows` (rows outside it are ignored).
    static DashboardWindow window(const std::vector<CardStatistic>& rows, std::int64_t now,
        std::int64_t bucketSeconds, int buckets);

private:
    Storage& storage_;
    CardStatistics& statistics_;
    const Clock& clock_;
};

} // namespace certgate::core
