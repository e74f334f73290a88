#include "AgentProcess.hpp"

#include <gtest/gtest.h>

#include <PCSC/winscard.h>
#include <chrono>
#include <thread>

using namespace certgate::test;

namespace {

const std::string openscModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

bool pcscdReachable()
{
    SCARDCONTEXT context = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS)
        return false;
    SCardReleaseContext(context);
    return true;
}

/// These tests own pcscd (ctest RESOURCE_LOCK pcscd): none may be running when they start.
void requireNoPcscd()
{
    ASSERT_FALSE(pcscdReachable()) << "another pcscd is running; stop it before these tests";
}

std::string errorOf(const HttpResponse& response)
{
    return parseJson(response.body)->getValue<std::string>("error");
}

} // namespace

TEST(AgentPcscdTest, WithoutPcscdTheAgentSaysTheCardServiceIsNotRunning)
{
    requireNoPcscd();
    AgentProcess agent(withModule(openscModule));
    auto started = std::chrono::steady_clock::now();
    auto tokens = agent.get("/v1/tokens");
    EXPECT_EQ(tokens.status, 503) << tokens.body;
    EXPECT_EQ(errorOf(tokens), "PCSCD_NOT_RUNNING");
    auto sign = agent.sign("any-card", randomNonce(), "123456");
    EXPECT_EQ(errorOf(sign), "PCSCD_NOT_RUNNING");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    auto health = parseJson(agent.get("/v1/health").body);
    EXPECT_EQ(health->getValue<std::string>("status"), "degraded");
    EXPECT_FALSE(health->getObject("pcsc")->getValue<bool>("running"));
}

TEST(AgentPcscdTest, WithPcscdButNoReaderTheAgentSaysNoReaderPromptly)
{
    requireNoPcscd();
    ChildProcess pcscd("pcscd", { "--foreground" });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pcscdReachable() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(pcscdReachable()) << pcscd.output();

    AgentProcess agent(withModule(openscModule));
    auto started = std::chrono::steady_clock::now();
    auto tokens = agent.get("/v1/tokens");
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    auto body = parseJson(tokens.body);
    EXPECT_EQ(body->getArray("tokens")->size(), 0u) << tokens.body;
    EXPECT_EQ(body->getValue<std::string>("error"), "NO_READER");
    auto sign = agent.sign("any-card", randomNonce(), "123456");
    EXPECT_EQ(sign.status, 404) << sign.body;
    EXPECT_EQ(errorOf(sign), "NO_READER");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    auto health = parseJson(agent.get("/v1/health").body);
    EXPECT_EQ(health->getValue<std::string>("status"), "ok");
    EXPECT_TRUE(health->getObject("pcsc")->getValue<bool>("running"));
    EXPECT_TRUE(agent.process().running()) << "no crash";
}
