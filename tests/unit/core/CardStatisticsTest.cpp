#include <certgate/core/CardStatistics.hpp>
#include <certgate/core/Error.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

/// A test double of the statistics table: real databases are in StatisticsRepositoryTest; this
/// one can be told to fail like an outage, to show that a failed flush loses no count.
class StatisticsRepositoryDouble final : public StatisticsRepository {
public:
    bool failing = false;
    std::vector<CardStatistic> stored;

    void addCardStatistics(const std::vector<CardStatistic>& rows) override
    {
        if (failing)
            throw Error(ErrorCode::DatabaseUnavailable, "outage (test double)");
        stored.insert(stored.end(), rows.begin(), rows.end());
    }
    std::vector<CardStatistic> listCardStatistics(std::int64_t) override { return stored; }
    std::int64_t purgeCardStatistics(std::int64_t) override { return 0; }
};

TEST(CardStatisticsTest, CountsPerMinuteCaAndResultAndNamesAMissingCaUnknown)
{
    ManualClock clock(1796605530);
    CardStatistics statistics(clock);
    statistics.count("moica", "OK");
    statistics.count("moica", "OK");
    statistics.count("", "CERT_MALFORMED");
    clock.advance(60);
    statistics.count("moica", "OK");
    const auto rows = statistics.pending();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].minuteStart, 1796605500);
    EXPECT_EQ(rows[0].ca, "moica");
    EXPECT_EQ(rows[0].hits, 2);
    EXPECT_EQ(rows[1].ca, "unknown");
    EXPECT_EQ(rows[1].result, "CERT_MALFORMED");
    EXPECT_EQ(rows[2].minuteStart, 1796605560);
}

TEST(CardStatisticsTest, AFailedFlushKeepsItsCountsForTheNext)
{
    ManualClock clock(1796605530);
    CardStatistics statistics(clock);
    StatisticsRepositoryDouble storage;
    statistics.count("gca", "OK");
    storage.failing = true;
    EXPECT_THROW(statistics.flush(storage), Error);
    statistics.count("gca", "OK");
    storage.failing = false;
    statistics.flush(storage);
    ASSERT_EQ(storage.stored.size(), 1u);
    EXPECT_EQ(storage.stored[0].hits, 2);
    EXPECT_TRUE(statistics.pending().empty());
    statistics.flush(storage); // nothing new: nothing written
    EXPECT_EQ(storage.stored.size(), 1u);
}

} // namespace
} // namespace certgate::core
