#include <certgate/net/LogText.hpp>

#include <gtest/gtest.h>

using certgate::net::logSafe;

TEST(LogTextTest, PrintableAsciiPassesUnchanged)
{
    EXPECT_EQ(logSafe("/api/v1/flows/abc-123/citizen-card"), "/api/v1/flows/abc-123/citizen-card");
    EXPECT_EQ(logSafe("/x%0a%00"), "/x%0a%00"); // a path as sent keeps its own escapes
}

TEST(LogTextTest, ControlsNewlinesNulSpacesAndNonAsciiAreEscaped)
{
    EXPECT_EQ(logSafe(std::string("a\nb\rc\0d\te\x7f", 10)), "a%0Ab%0Dc%00d%09e%7F");
    EXPECT_EQ(logSafe("audit head 1:deadbeef"), "audit%20head%201:deadbeef");
    EXPECT_EQ(logSafe("機關"), "%E6%A9%9F%E9%97%9C");
}

TEST(LogTextTest, LongValuesAreCut)
{
    auto cut = logSafe(std::string(1000, 'a'), 50);
    EXPECT_EQ(cut, std::string(50, 'a') + "…");
    // Escapes count towards the cap: a flood of newlines stays short.
    EXPECT_LE(logSafe(std::string(1000, '\n'), 30).size(), 30u + 3 + 3);
}
