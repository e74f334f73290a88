#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/PinGuard.hpp>

#include <gtest/gtest.h>

#include <optional>

using namespace certgate::agent;
using namespace std::chrono_literals;

namespace {

std::optional<AgentError> refusal(
    PinGuard& guard, const std::string& card, PinGuard::Clock::time_point at)
{
    try {
        guard.check(card, at);
    } catch (const AgentError& e) {
        return e;
    }
    return std::nullopt;
}

TEST(PinGuardTest, TheLimitHoldsUntilTheWindowOfTheFirstWrongPinHasPassed)
{
    PinGuard guard({ 3, 300s });
    auto t0 = PinGuard::Clock::now();
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(refusal(guard, "card", t0 + std::chrono::seconds(i)));
        guard.wrongPin("card", t0 + std::chrono::seconds(i));
    }
    auto limited = refusal(guard, "card", t0 + 10s);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->code(), ErrorCode::PinAttemptsLimited);
    EXPECT_EQ(limited->facts().getValue<std::int64_t>("retryAfter"), 290);
    EXPECT_FALSE(refusal(guard, "other card", t0 + 10s));
    EXPECT_FALSE(refusal(guard, "card", t0 + 300s)) << "the window has passed";
}

TEST(PinGuardTest, ARightPinClearsTheCount)
{
    PinGuard guard({ 2, 60s });
    auto t0 = PinGuard::Clock::now();
    guard.wrongPin("card", t0);
    guard.correctPin("card");
    guard.wrongPin("card", t0 + 1s);
    EXPECT_FALSE(refusal(guard, "card", t0 + 2s));
    guard.wrongPin("card", t0 + 2s);
    EXPECT_TRUE(refusal(guard, "card", t0 + 3s));
}

} // namespace
