// The whole path on real parts: SoftHSM2 card → PKCS#11 (libp11) → certgate-agent → token
// bound to the browser's origin → certgate serve → MOICA plugin (issue 2, item 4).
#include "AgentProcess.hpp"

#include <certgate/test/FlowClient.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

namespace certgate::test {
namespace {

class ThinSliceTest : public ::testing::Test {
protected:
    ThinSliceTest()
        : database_(Backend::Sqlite)
        , server_(database_, serverOptions())
    {
        server_.start();
    }

    static ServerInstance::Options serverOptions()
    {
        ServerInstance::Options options;
        options.origin = agentTestOrigin;
        return options;
    }

    /// Starts a query-serial flow and returns the nonce of its citizen challenge.
    std::string startQuery(FlowClient& flow)
    {
        EXPECT_EQ(flow.start("query-serial").status, 201);
        return flow.challenge("citizen");
    }

    HttpResponse submit(FlowClient& flow, const std::string& nationalId, const std::string& nonce,
        const std::string& token)
    {
        Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
        fields->set("nationalId", nationalId);
        return flow.cardStep("citizen-card", fields, nonce, token);
    }

    ScratchDatabase database_;
    ServerInstance server_;
    AgentProcess agent_;
};

TEST_F(ThinSliceTest, TheServerAnswersNameAndSerialForATokenTheAgentMadeWithTheCard)
{
    const auto& card = TestPki::get().card("moica-wang");
    FlowClient flow(server_.url(), agentTestOrigin);
    auto nonce = startQuery(flow);
    auto signedByAgent = agent_.sign(card.token, nonce, TestPki::get().pin());
    ASSERT_EQ(signedByAgent.status, 200) << signedByAgent.body;

    auto response = submit(flow, card.nationalId, nonce, signedByAgent.body);

    ASSERT_EQ(response.status, 200) << response.body;
    auto citizen = flow.last()->getObject("flow")->getObject("citizen");
    EXPECT_EQ(citizen->getValue<std::string>("name"), card.personName);
    EXPECT_EQ(citizen->getValue<std::string>("serial"), card.serial);
    EXPECT_EQ(citizen->getValue<std::string>("ca"), "moica");
    EXPECT_EQ(flow.step(), "done");
}

TEST_F(ThinSliceTest, AWrongPinIsRefusedByTheAgentAndNeverReachesTheServer)
{
    FlowClient flow(server_.url(), agentTestOrigin);
    auto nonce = startQuery(flow);

    auto signedByAgent = agent_.sign(TestPki::get().card("moica-wang").token, nonce, "654321");

    EXPECT_EQ(signedByAgent.status, 403) << signedByAgent.body;
    EXPECT_EQ(errorCode(signedByAgent), "PIN_INCORRECT");
    ASSERT_EQ(flow.get().status, 200);
    EXPECT_EQ(flow.step(), "citizen");
}

TEST_F(ThinSliceTest, ATokenSignedForAnotherOriginFailsTheSignatureCheck)
{
    // A look-alike site that the agent (wrongly) allows gets a signature for its own
    // origin; the server rebuilds the signed data from its configured origin.
    AgentOptions lookAlike;
    lookAlike.allowedOrigins = { "https://portal.certgate.test.evil.example" };
    AgentProcess agent(lookAlike);
    const auto& card = TestPki::get().card("moica-wang");
    FlowClient flow(server_.url(), agentTestOrigin);
    auto nonce = startQuery(flow);
    auto signedByAgent
        = agent.sign(card.token, nonce, TestPki::get().pin(), lookAlike.allowedOrigins.front());
    ASSERT_EQ(signedByAgent.status, 200) << signedByAgent.body;

    auto response = submit(flow, card.nationalId, nonce, signedByAgent.body);

    EXPECT_EQ(response.status, 403) << response.body;
    EXPECT_EQ(errorCode(response), "SIGNATURE_INVALID");
}

TEST_F(ThinSliceTest, ANonceIsGoodForOneAttemptOnly)
{
    const auto& card = TestPki::get().card("moica-wang");
    FlowClient flow(server_.url(), agentTestOrigin);
    auto nonce = startQuery(flow);
    auto signedByAgent = agent_.sign(card.token, nonce, TestPki::get().pin());
    ASSERT_EQ(signedByAgent.status, 200) << signedByAgent.body;
    // The first attempt uses the nonce up (a valid ID whose last four differ from the card).
    auto first = submit(flow, "A123456789", nonce, signedByAgent.body);
    ASSERT_EQ(errorCode(first), "ID_MISMATCH") << first.body;

    auto replay = submit(flow, card.nationalId, nonce, signedByAgent.body);

    EXPECT_EQ(replay.status, 400) << replay.body;
    EXPECT_EQ(errorCode(replay), "NONCE_REPLAYED");
}

TEST_F(ThinSliceTest, AnExpiredCardIsRefused)
{
    const auto& card = TestPki::get().card("moica-expired");
    FlowClient flow(server_.url(), agentTestOrigin);
    auto nonce = startQuery(flow);
    auto signedByAgent = agent_.sign(card.token, nonce, TestPki::get().pin());
    ASSERT_EQ(signedByAgent.status, 200) << signedByAgent.body;

    auto response = submit(flow, card.nationalId, nonce, signedByAgent.body);

    EXPECT_EQ(response.status, 403) << response.body;
    EXPECT_EQ(errorCode(response), "CERT_EXPIRED");
}

} // namespace
} // namespace certgate::test
