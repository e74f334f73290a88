#include <certgate/core/BusinessCalendar.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

// Instants written as UTC; Taipei is UTC+8 all year.
constexpr std::int64_t kFri2026Nov27At0900Taipei = 1795741200; // 2026-11-27T01:00:00Z
constexpr std::int64_t kMon2026Nov30At0000Taipei = 1795968000; // 2026-11-29T16:00:00Z

TEST(BusinessCalendarTest, TheTaipeiDateTurnsOverAtSixteenHundredUtc)
{
    EXPECT_EQ(BusinessCalendar::taipeiDate(1795967999), "2026-11-29"); // 23:59:59 in Taipei
    EXPECT_EQ(BusinessCalendar::taipeiDate(1795968000), "2026-11-30"); // 00:00:00 in Taipei
    EXPECT_EQ(BusinessCalendar::taipeiMidnight("2026-11-30"), kMon2026Nov30At0000Taipei);
}

TEST(BusinessCalendarTest, AFridayDecisionTakesEffectOnMonday)
{
    BusinessCalendar calendar({});
    EXPECT_EQ(calendar.nextBusinessDayStart(kFri2026Nov27At0900Taipei), kMon2026Nov30At0000Taipei);
}

TEST(BusinessCalendarTest, HolidaysAreSkipped)
{
    BusinessCalendar calendar({ "2026-11-30", "2026-12-01" });
    EXPECT_EQ(calendar.nextBusinessDayStart(kFri2026Nov27At0900Taipei),
        BusinessCalendar::taipeiMidnight("2026-12-02"));
    EXPECT_FALSE(calendar.isBusinessDay("2026-11-30"));
    EXPECT_TRUE(calendar.isBusinessDay("2026-12-02"));
}

TEST(BusinessCalendarTest, AMakeUpWorkingSaturdayCounts)
{
    BusinessCalendar calendar({}, { "2026-11-28" });
    EXPECT_TRUE(calendar.isBusinessDay("2026-11-28"));
    EXPECT_EQ(calendar.nextBusinessDayStart(kFri2026Nov27At0900Taipei),
        BusinessCalendar::taipeiMidnight("2026-11-28"));
}

TEST(BusinessCalendarTest, LateOnAWeekdayInUtcIsAlreadyTheNextDayInTaipei)
{
    BusinessCalendar calendar({});
    // 2026-11-26T17:00:00Z is Friday 01:00 in Taipei: the next business day is Monday.
    EXPECT_EQ(calendar.nextBusinessDayStart(1795712400), kMon2026Nov30At0000Taipei);
}

TEST(BusinessCalendarTest, TheYearTurnsOver)
{
    BusinessCalendar calendar({ "2027-01-01" });
    // Thursday 2026-12-31 → Friday 2027-01-01 is a holiday → Monday 2027-01-04.
    EXPECT_EQ(calendar.nextBusinessDayStart(BusinessCalendar::taipeiMidnight("2026-12-31") + 3600),
        BusinessCalendar::taipeiMidnight("2027-01-04"));
}

TEST(BusinessCalendarTest, MalformedDatesAreRefused)
{
    EXPECT_THROW(BusinessCalendar::taipeiMidnight("2026-13-01"), std::invalid_argument);
    EXPECT_THROW(BusinessCalendar::taipeiMidnight("2026-02-30"), std::invalid_argument);
    EXPECT_THROW(BusinessCalendar::taipeiMidnight("yesterday"), std::invalid_argument);
}

} // namespace
} // namespace certgate::core
