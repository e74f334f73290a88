#include <certgate/core/Dashboard.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certgate::core {
namespace {

using ::testing::ElementsAre;

constexpr std::int64_t kNow = 1796605530; // 2026-12-07T01:05:30Z: 30 s into a minute

std::int64_t minute(std::int64_t minutesAgo)
{
    return kNow - kNow % 60 - minutesAgo * 60;
}

TEST(DashboardTest, HourWindowHasSixtyMinutesEndingWithTheCurrentOne)
{
    const auto w = Dashboard::window({}, kNow, 60, 60);
    EXPECT_EQ(w.from, minute(59));
    EXPECT_EQ(w.bucketSeconds, 60);
    EXPECT_EQ(w.buckets, 60);
    EXPECT_EQ(w.accepted + w.refused, 0);
    EXPECT_TRUE(w.acceptedByCa.empty());
}

TEST(DashboardTest, SumsAcceptedPerCaAndRefusedPerCodeIntoTheirBuckets)
{
    const std::vector<CardStatistic> rows { { minute(60), "moica", "OK", 100 }, // before the hour
        { minute(59), "moica", "OK", 2 }, { minute(0), "moica", "OK", 3 },
        { minute(0), "gca", "OK", 7 }, { minute(0), "moica", "CERT_REVOKED", 1 },
        { minute(30), "unknown", "CERT_UNTRUSTED", 4 }, { minute(30), "gca", "CERT_REVOKED", 2 } };
    const auto w = Dashboard::window(rows, kNow, 60, 60);
    EXPECT_EQ(w.accepted, 12);
    EXPECT_EQ(w.refused, 7);
    ASSERT_EQ(w.acceptedByCa.size(), 2u);
    // Most cards first.
    EXPECT_EQ(w.acceptedByCa[0].key, "gca");
    EXPECT_EQ(w.acceptedByCa[0].total, 7);
    EXPECT_EQ(w.acceptedByCa[0].counts.back(), 7);
    EXPECT_EQ(w.acceptedByCa[1].key, "moica");
    EXPECT_EQ(w.acceptedByCa[1].total, 5);
    EXPECT_EQ(w.acceptedByCa[1].counts.front(), 2);
    EXPECT_EQ(w.acceptedByCa[1].counts.back(), 3);
    ASSERT_EQ(w.refusedByResult.size(), 2u);
    EXPECT_EQ(w.refusedByResult[0].key, "CERT_UNTRUSTED");
    EXPECT_EQ(w.refusedByResult[0].counts[29], 4);
    EXPECT_EQ(w.refusedByResult[1].key, "CERT_REVOKED");
    EXPECT_EQ(w.refusedByResult[1].total, 3);
    ASSERT_EQ(w.byCa.size(), 3u);
    EXPECT_EQ(w.byCa[0].ca, "gca");
    EXPECT_EQ(w.byCa[0].accepted, 7);
    EXPECT_EQ(w.byCa[0].refused, 2);
}

TEST(DashboardTest, DayWindowPutsMinutesIntoTheirHour)
{
    const std::int64_t hour = kNow - kNow % 3600;
    const std::vector<CardStatistic> rows { { hour, "moica", "OK", 1 },
        { hour + 60, "moica", "OK", 2 }, { hour - 60, "moica", "OK", 4 },
        { hour - 23 * 3600, "moica", "OK", 8 }, { hour - 24 * 3600, "moica", "OK", 16 } };
    const auto w = Dashboard::window(rows, kNow, 3600, 24);
    EXPECT_EQ(w.from, hour - 23 * 3600);
    ASSERT_EQ(w.acceptedByCa.size(), 1u);
    const auto& counts = w.acceptedByCa[0].counts;
    ASSERT_EQ(counts.size(), 24u);
    EXPECT_EQ(counts[23], 3);
    EXPECT_EQ(counts[22], 4);
    EXPECT_EQ(counts[0], 8);
    EXPECT_EQ(w.accepted, 15);
}

} // namespace
} // namespace certgate::core
