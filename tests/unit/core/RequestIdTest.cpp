// Request ids: unique per request, taken from a proxy only when harmless, scoped to the thread
// serving the request, and put first into an audit event's details.
#include <certgate/core/RequestId.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace certgate::core {
namespace {

TEST(RequestIdTest, NewIdsAreDistinctAndAcceptable)
{
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i)
        ids.insert(newRequestId());
    EXPECT_EQ(ids.size(), 1000u);
    EXPECT_TRUE(acceptableRequestId(*ids.begin()));
}

TEST(RequestIdTest, OnlyShortPlainIdsFromAProxyAreAccepted)
{
    EXPECT_TRUE(acceptableRequestId("0f3c9d2a7b1e4c5d8e9f0a1b2c3d4e5f"));
    EXPECT_TRUE(acceptableRequestId("req-1.2_3:4"));
    EXPECT_FALSE(acceptableRequestId(""));
    EXPECT_FALSE(acceptableRequestId(std::string(65, 'a')));
    EXPECT_FALSE(acceptableRequestId("a b"));
    EXPECT_FALSE(acceptableRequestId("x\"}"));
    EXPECT_FALSE(acceptableRequestId("line\nforged"));
}

TEST(RequestIdTest, TheIdIsCurrentInsideItsScopeOnItsThreadOnly)
{
    EXPECT_EQ(currentRequestId(), "");
    {
        RequestIdScope outer("outer");
        EXPECT_EQ(currentRequestId(), "outer");
        std::string seenElsewhere = "unset";
        std::thread([&] { seenElsewhere = currentRequestId(); }).join();
        EXPECT_EQ(seenElsewhere, "");
        {
            RequestIdScope inner("inner");
            EXPECT_EQ(currentRequestId(), "inner");
        }
        EXPECT_EQ(currentRequestId(), "outer");
    }
    EXPECT_EQ(currentRequestId(), "");
}

TEST(RequestIdTest, AuditDetailsGetTheIdFirst)
{
    EXPECT_EQ(withRequestId(R"({"field":"x"})"), R"({"field":"x"})") << "no request, no change";
    RequestIdScope scope("abc-1");
    EXPECT_EQ(withRequestId(R"({"field":"x"})"), R"({"requestId":"abc-1","field":"x"})");
    EXPECT_EQ(withRequestId("{}"), R"({"requestId":"abc-1"})");
    EXPECT_EQ(withRequestId(""), R"({"requestId":"abc-1"})");
    EXPECT_EQ(withRequestId("not json"), "not json");
}

} // namespace
} // namespace certgate::core
