#include "AgentProcess.hpp"

#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace certgate::test;

namespace {

/// Counters the lockout test double keeps per token: wrong PINs in a row, C_Login calls.
struct LockoutCounter {
    unsigned long wrong = 0;
    unsigned long logins = 0;
};

LockoutCounter lockoutCounter(const std::string& stateFile, const std::string& label)
{
    std::ifstream in(stateFile);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        LockoutCounter c;
        std::string name;
        if (fields >> c.wrong >> c.logins && std::getline(fields >> std::ws, name) && name == label)
            return c;
    }
    return {};
}

Poco::JSON::Object::Ptr flagsOf(AgentProcess& agent, const std::string& label)
{
    auto tokens = parseJson(agent.get("/v1/tokens").body)->getArray("tokens");
    for (std::size_t i = 0; i < tokens->size(); ++i) {
        auto token = tokens->getObject(static_cast<unsigned>(i));
        if (token->getValue<bool>("present") && token->getValue<std::string>("label") == label)
            return token->getObject("flags");
    }
    throw std::runtime_error("no token " + label);
}

std::string errorOf(const HttpResponse& response)
{
    return parseJson(response.body)->getValue<std::string>("error");
}

/// An agent on the lockout test double over a private copy of the test tokens.
class LockoutAgent {
public:
    LockoutAgent()
        : dir_("certgate-agent-lockout")
        , conf_(copySofthsmTokens(dir_.path()))
        , state_(dir_.file("lockout-state"))
        , agent_(withModule(lockoutModule(), conf_,
              { { "CERTGATE_LOCKOUT_STATE", state_ },
                  { "CERTGATE_LOCKOUT_INNER_MODULE", TestPki::get().module() } }))
    {
    }
    AgentProcess& agent() { return agent_; }
    LockoutCounter counter(const std::string& label) const { return lockoutCounter(state_, label); }

private:
    TempDir dir_;
    std::string conf_;
    std::string state_;
    AgentProcess agent_;
};

} // namespace

TEST(AgentPinTest, AWrongPinIsPinIncorrectAndTheTokenReportsCountLow)
{
    AgentProcess agent;
    auto response = agent.sign("moica-wang", randomNonce(), "000000");
    EXPECT_EQ(response.status, 403) << response.body;
    auto body = parseJson(response.body);
    EXPECT_EQ(body->getValue<std::string>("error"), "PIN_INCORRECT");
    EXPECT_TRUE(body->getValue<bool>("pinCountLow")) << "SoftHSM2 sets COUNT_LOW after a wrong PIN";
    EXPECT_FALSE(body->has("finalTry"));
    EXPECT_EQ(response.body.find("000000"), std::string::npos) << "the PIN is never echoed";
    EXPECT_TRUE(flagsOf(agent, "moica-wang")->getValue<bool>("pinCountLow"))
        << "flags are read fresh";
    auto nonce = randomNonce();
    auto right = agent.sign("moica-wang", nonce, TestPki::get().pin());
    ASSERT_EQ(right.status, 200) << right.body << " (a wrong PIN must not break the next login)";
    EXPECT_EQ(verifyAuthToken(right.body, agentTestOrigin, nonce), "");
    EXPECT_FALSE(flagsOf(agent, "moica-wang")->getValue<bool>("pinCountLow"));
}

TEST(AgentPinTest, ARightPinAfterARightPinDoesNotLetAWrongOneThrough)
{
    AgentProcess agent;
    ASSERT_EQ(agent.sign("moica-wang", randomNonce(), TestPki::get().pin()).status, 200);
    auto response = agent.sign("moica-wang", randomNonce(), "999999");
    EXPECT_EQ(response.status, 403) << "the token must have been logged out after the first sign";
    EXPECT_EQ(errorOf(response), "PIN_INCORRECT");
}

TEST(AgentPinTest, AWrongPinIsTriedExactlyOnce)
{
    LockoutAgent lockout;
    auto response = lockout.agent().sign("moica-chen", randomNonce(), "000000");
    EXPECT_EQ(errorOf(response), "PIN_INCORRECT");
    EXPECT_EQ(lockout.counter("moica-chen").logins, 1u);
    EXPECT_EQ(lockout.counter("moica-chen").wrong, 1u);
}

TEST(AgentPinTest, ThreeWrongPinsLockTheCardAndTheAgentSaysSoAtEachStep)
{
    LockoutAgent lockout;
    auto& agent = lockout.agent();
    auto first = agent.sign("moica-lin", randomNonce(), "000000");
    EXPECT_EQ(first.status, 403);
    EXPECT_EQ(errorOf(first), "PIN_INCORRECT");
    EXPECT_TRUE(parseJson(first.body)->getValue<bool>("pinCountLow"));
    EXPECT_TRUE(flagsOf(agent, "moica-lin")->getValue<bool>("pinCountLow"));

    auto second = agent.sign("moica-lin", randomNonce(), "111111");
    EXPECT_EQ(second.status, 403);
    EXPECT_EQ(errorOf(second), "PIN_FINAL_TRY");
    EXPECT_TRUE(parseJson(second.body)->getValue<bool>("finalTry"));
    EXPECT_TRUE(flagsOf(agent, "moica-lin")->getValue<bool>("pinFinalTry"));

    auto third = agent.sign("moica-lin", randomNonce(), "222222");
    EXPECT_EQ(third.status, 423);
    EXPECT_EQ(errorOf(third), "PIN_LOCKED");
    EXPECT_EQ(parseJson(third.body)->getValue<std::string>("message"),
        "卡片已鎖定（PIN 碼連續錯誤三次），請持卡至發卡單位或依發卡單位說明辦理解鎖。");

    auto right = agent.sign("moica-lin", randomNonce(), TestPki::get().pin());
    EXPECT_EQ(right.status, 423);
    EXPECT_EQ(errorOf(right), "PIN_LOCKED");

    auto flags = flagsOf(agent, "moica-lin");
    EXPECT_TRUE(flags->getValue<bool>("pinLocked"));
    EXPECT_EQ(lockout.counter("moica-lin").logins, 3u) << "a locked card costs no further C_Login";
    // Another card on the same module is unaffected.
    auto nonce = randomNonce();
    auto other = agent.sign("moica-wang", nonce, TestPki::get().pin());
    ASSERT_EQ(other.status, 200) << other.body;
    EXPECT_EQ(verifyAuthToken(other.body, agentTestOrigin, nonce), "");
}

TEST(AgentPinTest, ARightPinBeforeTheLockResetsTheCounter)
{
    LockoutAgent lockout;
    auto& agent = lockout.agent();
    EXPECT_EQ(errorOf(agent.sign("moica-wu", randomNonce(), "000000")), "PIN_INCORRECT");
    EXPECT_EQ(errorOf(agent.sign("moica-wu", randomNonce(), "111111")), "PIN_FINAL_TRY");
    EXPECT_EQ(agent.sign("moica-wu", randomNonce(), TestPki::get().pin()).status, 200);
    EXPECT_FALSE(flagsOf(agent, "moica-wu")->getValue<bool>("pinFinalTry"));
    EXPECT_EQ(errorOf(agent.sign("moica-wu", randomNonce(), "000000")), "PIN_INCORRECT");
}

TEST(AgentPinTest, TheLogNeverHoldsThePinOrTheWholeNonce)
{
    AgentProcess agent;
    const std::string wrongPin = "Zq7#xW9!";
    auto nonce = randomNonce();
    EXPECT_EQ(errorOf(agent.sign("moica-wang", nonce, wrongPin)), "PIN_INCORRECT");
    auto secondNonce = randomNonce();
    EXPECT_EQ(agent.sign("moica-wang", secondNonce, TestPki::get().pin()).status, 200);
    auto log = agent.process().output();
    EXPECT_NE(log.find("sign for " + agentTestOrigin), std::string::npos)
        << "the log is on: " << log;
    EXPECT_EQ(log.find(wrongPin), std::string::npos);
    EXPECT_EQ(log.find(nonce), std::string::npos);
    EXPECT_EQ(log.find(secondNonce), std::string::npos);
    EXPECT_EQ(log.find("\"pin\""), std::string::npos);
}

TEST(AgentPinTest, AfterThreeWrongPinsTheAgentSendsNoPinToThatCardForAWhile)
{
    // SoftHSM2 never locks a PIN (a card that never locks): the agent's own limit stops a page
    // from working through PINs one by one (issue 17 item 1).
    AgentProcess agent;
    for (const auto* pin : { "000000", "111111", "222222" })
        EXPECT_EQ(errorOf(agent.sign("moica-huang", randomNonce(), pin)), "PIN_INCORRECT") << pin;
    auto limited = agent.sign("moica-huang", randomNonce(), TestPki::get().pin());
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(errorOf(limited), "PIN_ATTEMPTS_LIMITED");
    auto body = parseJson(limited.body);
    auto retryAfter = body->getValue<int>("retryAfter");
    EXPECT_GE(retryAfter, 1);
    EXPECT_LE(retryAfter, 300);
    EXPECT_EQ(body->getValue<int>("wrongPins"), 3);
    EXPECT_NE(body->getValue<std::string>("message").find("暫停送出 PIN 碼"), std::string::npos);
    // Another card is unaffected.
    auto nonce = randomNonce();
    auto other = agent.sign("moica-wang", nonce, TestPki::get().pin());
    ASSERT_EQ(other.status, 200) << other.body;
    EXPECT_EQ(verifyAuthToken(other.body, agentTestOrigin, nonce), "");
}
