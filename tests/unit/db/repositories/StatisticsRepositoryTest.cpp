#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <certgate/core/CardStatistics.hpp>

#include <gtest/gtest.h>

#include <tuple>

namespace certgate::db::test {
namespace {

class StatisticsRepositoryTest : public StorageTest { };

auto fields(const core::CardStatistic& s)
{
    return std::tuple(s.minuteStart, s.ca, s.result, s.hits);
}

TEST_P(StatisticsRepositoryTest, AddsHitsToTheRowOfTheirMinuteCaAndResult)
{
    const std::int64_t minute = T0 - T0 % 60;
    storage_->addCardStatistics({ { minute, "moica", "OK", 3 }, { minute, "gca", "OK", 1 },
        { minute, "moica", "CERT_REVOKED", 2 } });
    storage_->addCardStatistics(
        { { minute, "moica", "OK", 4 }, { minute + 60, "moica", "OK", 1 } });

    const auto rows = storage_->listCardStatistics(minute);
    ASSERT_EQ(rows.size(), 4u);
    // Oldest minute first, then by CA and result.
    EXPECT_EQ(fields(rows[0]), fields({ minute, "gca", "OK", 1 }));
    EXPECT_EQ(fields(rows[1]), fields({ minute, "moica", "CERT_REVOKED", 2 }));
    EXPECT_EQ(fields(rows[2]), fields({ minute, "moica", "OK", 7 }));
    EXPECT_EQ(fields(rows[3]), fields({ minute + 60, "moica", "OK", 1 }));
    EXPECT_EQ(storage_->listCardStatistics(minute + 60).size(), 1u);

    EXPECT_EQ(storage_->purgeCardStatistics(minute + 60), 3);
    EXPECT_EQ(storage_->listCardStatistics(0).size(), 1u);
}

// The in-memory counts of one instance go to the shared rows in one flush; a second instance's
// counts add to the same rows.
TEST_P(StatisticsRepositoryTest, FlushedCountsOfTwoInstancesAddUp)
{
    core::ManualClock clock(T0);
    core::CardStatistics first(clock);
    core::CardStatistics second(clock);
    first.count("moica", "OK");
    first.count("moica", "OK");
    first.count("", "CERT_UNTRUSTED");
    second.count("moica", "OK");
    EXPECT_EQ(first.pending().size(), 2u);
    first.flush(*storage_);
    second.flush(*storage_);
    EXPECT_TRUE(first.pending().empty());

    const auto rows = storage_->listCardStatistics(0);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(fields(rows[0]), fields({ T0 - T0 % 60, "moica", "OK", 3 }));
    EXPECT_EQ(fields(rows[1]), fields({ T0 - T0 % 60, "unknown", "CERT_UNTRUSTED", 1 }));
}

CERTGATE_ON_ALL_BACKENDS(StatisticsRepositoryTest);

} // namespace
} // namespace certgate::db::test
