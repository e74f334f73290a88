#include "AgentProcess.hpp"

#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

using namespace certgate::test;

namespace {

class AgentCliTest : public ::testing::Test {
protected:
    AgentCliTest()
        : dir("certgate-agent-cli")
        , conf(copySofthsmTokens(dir.path()))
    {
    }

    RunResult agent(std::vector<std::string> args, const std::string& stdinText = {})
    {
        args.insert(args.end(), { "--module", TestPki::get().module() });
        return run(agentBinary(), args, { { "SOFTHSM2_CONF", conf } }, stdinText);
    }

    TempDir dir;
    std::string conf;
};

} // namespace

TEST_F(AgentCliTest, ListShowsTokensFlagsAndCertificates)
{
    auto result = agent({ "list" });
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("Token \"moica-wang\""), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("[PIN set]"), std::string::npos);
    EXPECT_NE(result.output.find(TestPki::get().card("moica-wang").serial), std::string::npos);
    EXPECT_NE(result.output.find("SIGNING"), std::string::npos);
}

TEST_F(AgentCliTest, ListJsonIsTheApiJsonWithCertificates)
{
    auto result = agent({ "list", "--json" });
    ASSERT_EQ(result.exitCode, 0) << result.output;
    auto tokens = parseJson(result.output)->getArray("tokens");
    bool found = false;
    for (std::size_t i = 0; i < tokens->size(); ++i) {
        auto token = tokens->getObject(static_cast<unsigned>(i));
        if (token->getValue<bool>("present")
            && token->getValue<std::string>("label") == "moica-wang") {
            found = true;
            EXPECT_TRUE(token->getObject("flags")->getValue<bool>("pinInitialized"));
            EXPECT_EQ(token->getArray("certificates")->size(), 2u);
        }
    }
    EXPECT_TRUE(found) << result.output;
}

TEST_F(AgentCliTest, SignReadsThePinFromStdinAndPrintsAVerifiableToken)
{
    auto nonce = randomNonce();
    auto result
        = agent({ "sign", "--origin", agentTestOrigin, "--nonce", nonce, "--token", "moica-ecdsa" },
            TestPki::get().pin() + "\n");
    ASSERT_EQ(result.exitCode, 0) << result.output;
    EXPECT_EQ(verifyAuthToken(result.output, agentTestOrigin, nonce), "");
    EXPECT_EQ(result.output.find(TestPki::get().pin()), std::string::npos);
}

TEST_F(AgentCliTest, SignWithAWrongPinPrintsTheErrorAndExitsOne)
{
    auto result = agent(
        { "sign", "--origin", agentTestOrigin, "--nonce", randomNonce(), "--token", "moica-wang" },
        "000000\n");
    EXPECT_EQ(result.exitCode, 1) << result.output;
    EXPECT_EQ(parseJson(result.output)->getValue<std::string>("error"), "PIN_INCORRECT");
    EXPECT_EQ(result.output.find("000000"), std::string::npos);
}

TEST_F(AgentCliTest, UsageErrorsExitTwoAndAPinOnTheCommandLineIsRefused)
{
    EXPECT_EQ(agent({ "sign", "--origin", agentTestOrigin }).exitCode, 2);
    EXPECT_EQ(agent({ "frobnicate" }).exitCode, 2);
    auto withPin = agent({ "sign", "--origin", agentTestOrigin, "--nonce", randomNonce(), "--token",
        "moica-wang", "--pin", "123456" });
    EXPECT_EQ(withPin.exitCode, 2);
    EXPECT_NE(withPin.output.find("never taken from the command line"), std::string::npos);
}

TEST_F(AgentCliTest, AMissingModuleIsAnErrorJson)
{
    auto result = run(agentBinary(), { "list", "--module", "/nonexistent/libnothing.so" },
        { { "SOFTHSM2_CONF", conf } });
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(parseJson(result.output)->getValue<std::string>("error"), "MODULE_LOAD_FAILED");
}

namespace {

/// Holds a listening socket on 127.0.0.1:`port` (0 = any free port) for the test's length.
class PortHolder {
public:
    explicit PortHolder(std::uint16_t port = 0)
        : socket_(Poco::Net::SocketAddress("127.0.0.1", port), true)
    {
    }
    std::uint16_t port() const { return socket_.address().port(); }

private:
    Poco::Net::ServerSocket socket_;
};

} // namespace

TEST_F(AgentCliTest, ServeOnATakenPortSaysSoInBothLanguagesAndExitsThree)
{
    PortHolder holder;
    auto result = agent(
        { "serve", "--port", std::to_string(holder.port()), "--allow-origin", agentTestOrigin },
        {});
    EXPECT_EQ(result.exitCode, 3) << result.output;
    EXPECT_NE(result.output.find("已被其他程式使用"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("is already in use"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(std::to_string(holder.port())), std::string::npos);
    EXPECT_EQ(result.output.find("HiPKI"), std::string::npos) << result.output;
}

TEST_F(AgentCliTest, ServeOnHipkisPortNamesHipkiWhenItIsTaken)
{
    // HiPKI Local Server listens on 61161 on the PCs clerks use; the agent must not answer in
    // its place, and says who most likely holds the port.
    PortHolder hipki(61161);
    auto result = agent({ "serve", "--port", "61161", "--allow-origin", agentTestOrigin });
    EXPECT_EQ(result.exitCode, 3) << result.output;
    EXPECT_NE(result.output.find("HiPKI Local Server"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("--port"), std::string::npos) << result.output;
}

TEST_F(AgentCliTest, EverySubcommandAnswersHelpOnStdoutWithExitZero)
{
    for (const auto* command : { "serve", "list", "sign" }) {
        auto result = run(agentBinary(), { command, "--help" });
        EXPECT_EQ(result.exitCode, 0) << command << ": " << result.output;
        EXPECT_EQ(result.output.rfind("usage:", 0), 0u) << command << ": " << result.output;
    }
}

TEST_F(AgentCliTest, TheDefaultPortIsNotHipkis)
{
    auto result = run(agentBinary(), { "--help" });
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.output.find("default 27161"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("61161"), std::string::npos) << result.output;
}
