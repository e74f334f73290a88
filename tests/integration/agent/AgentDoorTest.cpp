// The agent's door (issue 12): a page (or anything on the PC) holding connections idle or
// trickling bytes must not stop the agent answering the portal. Real certgate-agent process.

#include "AgentProcess.hpp"

#include <certgate/test/SocketProbes.hpp>

#include <gtest/gtest.h>

using namespace certgate::test;
using namespace std::chrono_literals;

namespace {

std::uint16_t portOf(const AgentProcess& agent)
{
    return static_cast<std::uint16_t>(std::stoi(agent.url().substr(agent.url().rfind(':') + 1)));
}

long long versionTime(AgentProcess& agent)
{
    return millisecondsOf([&] {
        auto answer = agent.get("/v1/version", { { "Origin", agentTestOrigin } });
        ASSERT_EQ(answer.status, 200) << answer.body;
    });
}

class AgentDoorTest : public ::testing::Test {
protected:
    void SetUp() override { prepareForProbes(); }
};

TEST_F(AgentDoorTest, SixteenIdleConnectionsDoNotStopTheAgent)
{
    AgentProcess agent;
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 16; ++i)
        idle.push_back(std::make_unique<RawConnection>(portOf(agent)));
    EXPECT_LT(versionTime(agent), 100);
    EXPECT_FALSE(idle.front()->closedByPeer(10ms));
}

TEST_F(AgentDoorTest, TwoHundredIdleAndTricklingConnectionsLeaveTheAgentAnswering)
{
    AgentProcess agent;
    auto port = portOf(agent);
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 200; ++i)
        idle.push_back(std::make_unique<RawConnection>(port));
    std::vector<std::unique_ptr<RawConnection>> trickling;
    std::vector<Trickler::Sender> senders;
    for (int i = 0; i < 20; ++i) {
        trickling.push_back(std::make_unique<RawConnection>(port));
        senders.push_back(
            [c = trickling.back().get()](const std::string& b) { return c->send(b); });
    }
    Trickler trickle(senders, "GET /v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    for (int i = 0; i < 5; ++i)
        EXPECT_LT(versionTime(agent), 100) << "request " << i;
    // The agent's own scale: past 32 connections the idle ones are closed within a second.
    EXPECT_TRUE(idle.front()->closedByPeer(3s));
}

} // namespace
