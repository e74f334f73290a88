#include "AgentProcess.hpp"

#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>

using namespace certgate::test;

namespace {

Poco::JSON::Object::Ptr findToken(const HttpResponse& response, const std::string& label)
{
    auto tokens = parseJson(response.body)->getArray("tokens");
    for (std::size_t i = 0; i < tokens->size(); ++i) {
        auto token = tokens->getObject(static_cast<unsigned>(i));
        if (token->getValue<bool>("present") && token->getValue<std::string>("label") == label)
            return token;
    }
    return nullptr;
}

/// SoftHSM2 always offers one free, uninitialised slot; its id.
std::string freeSlot(const std::string& softhsmConf)
{
    auto slots = run("softhsm2-util", { "--show-slots" }, { { "SOFTHSM2_CONF", softhsmConf } });
    std::string current;
    std::istringstream lines(slots.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("Slot ", 0) == 0)
            current = line.substr(5);
        else if (line.find("Initialized:") != std::string::npos
            && line.find("no") != std::string::npos)
            return current;
    }
    throw std::runtime_error("no free SoftHSM2 slot in:\n" + slots.output);
}

} // namespace

TEST(AgentServiceTest, AnswersVersionOnLoopback)
{
    AgentProcess agent;
    EXPECT_EQ(agent.url().rfind("http://127.0.0.1:", 0), 0u) << agent.url();
    auto response = agent.get("/v1/version");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"name":"certgate-agent","version":"1.0.0","protocol":1})");
    auto health = parseJson(agent.get("/v1/health").body);
    EXPECT_EQ(health->getValue<std::string>("status"), "ok");
    EXPECT_TRUE(health->getObject("module")->getValue<bool>("loaded"));
    EXPECT_TRUE(health->getObject("pcsc")->isNull("running")) << "SoftHSM2 does not use PC/SC";
}

TEST(AgentServiceTest, ListsTheTestCardsWithTheirFlags)
{
    AgentProcess agent;
    auto response = agent.get("/v1/tokens");
    ASSERT_EQ(response.status, 200) << response.body;
    for (const auto& name : { "moica-wang", "moica-ecdsa", "gca-moi" }) {
        auto token = findToken(response, name);
        ASSERT_TRUE(token) << name << " missing from " << response.body;
        auto flags = token->getObject("flags");
        EXPECT_TRUE(flags->getValue<bool>("pinInitialized")) << name;
        EXPECT_TRUE(flags->getValue<bool>("loginRequired")) << name;
        EXPECT_FALSE(flags->getValue<bool>("pinLocked")) << name;
        EXPECT_FALSE(flags->getValue<bool>("pinFinalTry")) << name;
        EXPECT_FALSE(token->getValue<std::string>("serialNumber").empty());
    }
}

TEST(AgentServiceTest, CertificatesTellTheSigningOneFromTheEncryptionOneWithoutAPin)
{
    AgentProcess agent;
    const auto& card = TestPki::get().card("moica-wang");
    auto response = agent.get("/v1/certificates?token=moica-wang");
    ASSERT_EQ(response.status, 200) << response.body;
    auto body = parseJson(response.body);
    EXPECT_EQ(body->getValue<std::string>("token"), "moica-wang");
    auto certificates = body->getArray("certificates");
    ASSERT_EQ(certificates->size(), 2u);
    auto signing = certificates->getObject(0);
    auto encryption = certificates->getObject(1);
    EXPECT_EQ(signing->getValue<std::string>("id"), "01");
    EXPECT_TRUE(signing->getValue<bool>("signing"));
    EXPECT_EQ(signing->getValue<std::string>("serialNumber"), card.serial);
    EXPECT_EQ(signing->getValue<std::string>("der"),
        base64Of(readBinaryFile(TestPki::get().dir() + "/cards/moica-wang/sign.der")));
    EXPECT_EQ(signing->getArray("keyUsage")->getElement<std::string>(0), "digitalSignature");
    EXPECT_NE(signing->getValue<std::string>("subject").find("CN=王大明"), std::string::npos);
    EXPECT_EQ(encryption->getValue<std::string>("id"), "02");
    EXPECT_FALSE(encryption->getValue<bool>("signing"));
    EXPECT_EQ(encryption->getValue<std::string>("serialNumber"), card.encSerial);
    EXPECT_EQ(encryption->getValue<std::string>("der"),
        base64Of(readBinaryFile(TestPki::get().dir() + "/cards/moica-wang/enc.der")));
}

TEST(AgentServiceTest, AnUnknownTokenIsNoCard)
{
    AgentProcess agent;
    auto response = agent.get("/v1/certificates?token=no-such-card");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "NO_CARD");
}

TEST(AgentServiceTest, SignsWithTheRsaSigningKeyAndOpenSslVerifiesIt)
{
    AgentProcess agent;
    auto nonce = randomNonce();
    auto response = agent.sign("moica-wang", nonce, TestPki::get().pin());
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.header("access-control-allow-origin"), agentTestOrigin);
    auto token = parseJson(response.body);
    EXPECT_EQ(token->getValue<std::string>("algorithm"), "RS256");
    EXPECT_EQ(token->getValue<std::string>("certificate"),
        base64Of(readBinaryFile(TestPki::get().dir() + "/cards/moica-wang/sign.der")))
        << "must be the signing certificate, never the encryption one";
    EXPECT_EQ(verifyAuthToken(response.body, agentTestOrigin, nonce), "");
    EXPECT_NE(verifyAuthToken(response.body, "https://evil.test", nonce), "")
        << "signed for its origin only";
    EXPECT_NE(verifyAuthToken(response.body, agentTestOrigin, randomNonce()), "");
}

TEST(AgentServiceTest, SignsWithTheEcdsaKeyAsRawRAndS)
{
    AgentProcess agent;
    auto nonce = randomNonce();
    auto response = agent.sign("moica-ecdsa", nonce, TestPki::get().pin());
    ASSERT_EQ(response.status, 200) << response.body;
    auto token = parseJson(response.body);
    EXPECT_EQ(token->getValue<std::string>("algorithm"), "ES256");
    EXPECT_EQ(token->getValue<std::string>("signature").size(), 88u)
        << "64 bytes of R||S in base64";
    EXPECT_EQ(verifyAuthToken(response.body, agentTestOrigin, nonce), "");
}

TEST(AgentServiceTest, SignsWithAP384KeyAsEs384)
{
    // The test PKI has no P-384 card: make a token with one in a private copy.
    TempDir dir("certgate-agent-p384");
    auto conf = copySofthsmTokens(dir.path());
    std::map<std::string, std::string> env { { "SOFTHSM2_CONF", conf } };
    auto step = [&](const std::string& program, const std::vector<std::string>& args) {
        auto result = run(program, args, env);
        ASSERT_EQ(result.exitCode, 0) << program << ": " << result.output;
    };
    step("openssl",
        { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
            "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem"), "-subj", "/C=TW/CN=p384",
            "-days", "30", "-addext", "keyUsage=critical,digitalSignature" });
    step("openssl",
        { "pkcs8", "-topk8", "-nocrypt", "-in", dir.file("key.pem"), "-out", dir.file("key.p8") });
    step("openssl",
        { "x509", "-in", dir.file("cert.pem"), "-outform", "DER", "-out", dir.file("cert.der") });
    step("softhsm2-util",
        { "--init-token", "--free", "--label", "p384", "--so-pin", "87654321", "--pin",
            TestPki::get().pin() });
    step("softhsm2-util",
        { "--import", dir.file("key.p8"), "--token", "p384", "--id", "01", "--label", "signature",
            "--pin", TestPki::get().pin() });
    step("pkcs11-tool",
        { "--module", TestPki::get().module(), "--token-label", "p384", "--login", "--pin",
            TestPki::get().pin(), "--write-object", dir.file("cert.der"), "--type", "cert", "--id",
            "01", "--label", "signature" });
    AgentProcess agent(withModule({}, conf));
    auto nonce = randomNonce();
    auto response = agent.sign("p384", nonce, TestPki::get().pin());
    ASSERT_EQ(response.status, 200) << response.body;
    auto token = parseJson(response.body);
    EXPECT_EQ(token->getValue<std::string>("algorithm"), "ES384");
    EXPECT_EQ(token->getValue<std::string>("signature").size(), 128u)
        << "96 bytes of R||S in base64";
    EXPECT_EQ(verifyAuthToken(response.body, agentTestOrigin, nonce), "");
}

TEST(AgentServiceTest, AConfigurationFileSetsModuleAndOrigins)
{
    TempDir dir("certgate-agent-config");
    auto conf = copySofthsmTokens(dir.path());
    writeTextFile(dir.file("agent.json"),
        R"({"port":0,"module":")" + TestPki::get().module()
            + R"(","allowedOrigins":["https://other.portal.test"],"logLevel":"warning"})");
    ChildProcess process(agentBinary(), { "serve", "--config", dir.file("agent.json") },
        { { "SOFTHSM2_CONF", conf } });
    auto url = process.waitForListening();
    auto allowed
        = httpRequest("GET", url + "/v1/tokens", {}, { { "Origin", "https://other.portal.test" } });
    EXPECT_EQ(allowed.status, 200) << allowed.body;
    EXPECT_NE(allowed.body.find("moica-wang"), std::string::npos)
        << "the module came from the file";
    EXPECT_EQ(
        httpRequest("GET", url + "/v1/tokens", {}, { { "Origin", agentTestOrigin } }).status, 403);
}

TEST(AgentServiceTest, AnOrganisationCardSignsToo)
{
    AgentProcess agent;
    auto nonce = randomNonce();
    auto response = agent.sign("gca-moi", nonce, TestPki::get().pin());
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(verifyAuthToken(response.body, agentTestOrigin, nonce), "");
}

TEST(AgentServiceTest, AKeyIdThatCannotSignIsRefused)
{
    AgentProcess agent;
    auto response
        = agent.sign("moica-wang", randomNonce(), TestPki::get().pin(), agentTestOrigin, "02");
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "NO_SIGNING_CERTIFICATE");
}

TEST(AgentServiceTest, ACardWhoseSigningCertificateLacksDigitalSignatureHasNoSigningCertificate)
{
    AgentProcess agent;
    auto response = agent.sign("moica-nodigsig", randomNonce(), TestPki::get().pin());
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "NO_SIGNING_CERTIFICATE");
}

TEST(AgentServiceTest, AnotherOriginIsRefusedWithoutCorsHeaders)
{
    AgentProcess agent;
    auto response = agent.get("/v1/tokens", { { "Origin", "https://evil.test" } });
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(response.header("access-control-allow-origin"), "");
    auto sign = agent.sign("moica-wang", randomNonce(), TestPki::get().pin(), "https://evil.test");
    EXPECT_EQ(sign.status, 403);
    EXPECT_EQ(parseJson(sign.body)->getValue<std::string>("error"), "ORIGIN_NOT_ALLOWED");
    auto noOrigin = agent.sign("moica-wang", randomNonce(), TestPki::get().pin(), "");
    EXPECT_EQ(noOrigin.status, 403);
    EXPECT_EQ(parseJson(noOrigin.body)->getValue<std::string>("error"), "ORIGIN_NOT_ALLOWED");
}

TEST(AgentServiceTest, APrivateNetworkPreflightIsAnswered)
{
    AgentProcess agent;
    auto started = std::chrono::steady_clock::now();
    auto response = httpRequest("OPTIONS", agent.url() + "/v1/sign", {},
        { { "Origin", agentTestOrigin }, { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "content-type" },
            { "Access-Control-Request-Private-Network", "true" } });
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(response.header("access-control-allow-origin"), agentTestOrigin);
    EXPECT_EQ(response.header("access-control-allow-private-network"), "true");
    EXPECT_EQ(response.header("vary"), "Origin");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2))
        << "a body-less preflight must not wait for a body";
}

TEST(AgentServiceTest, AForeignHostHeaderIsRefused)
{
    AgentProcess agent;
    auto response = agent.get("/v1/version", { { "Host", "attacker.example:80" } });
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "HOST_NOT_ALLOWED");
    auto port = agent.url().substr(agent.url().rfind(':') + 1);
    EXPECT_EQ(agent.get("/v1/version", { { "Host", "localhost:" + port } }).status, 200);
}

TEST(AgentServiceTest, ConcurrentSignsOnOneTokenAreSerialisedNotInterleaved)
{
    AgentProcess agent;
    constexpr int requests = 8;
    std::vector<std::thread> threads;
    std::vector<HttpResponse> responses(requests);
    std::vector<std::string> nonces(requests);
    for (int i = 0; i < requests; ++i)
        nonces[static_cast<std::size_t>(i)] = randomNonce();
    for (int i = 0; i < requests; ++i)
        threads.emplace_back([&, i] {
            auto index = static_cast<std::size_t>(i);
            responses[index] = agent.sign("moica-wang", nonces[index], TestPki::get().pin());
        });
    for (auto& t : threads)
        t.join();
    int ok = 0;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        const auto& response = responses[i];
        if (response.status == 200) {
            ++ok;
            EXPECT_EQ(verifyAuthToken(response.body, agentTestOrigin, nonces[i]), "");
        } else {
            EXPECT_EQ(response.status, 429) << response.body;
            EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "BUSY");
        }
    }
    EXPECT_GE(ok, 1);
    // And the token is fine afterwards.
    auto nonce = randomNonce();
    auto after = agent.sign("moica-wang", nonce, TestPki::get().pin());
    ASSERT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(verifyAuthToken(after.body, agentTestOrigin, nonce), "");
}

TEST(AgentServiceTest, ACardPulledBetweenListingAndSigningIsReportedAsRemoved)
{
    AgentProcess agent;
    ASSERT_TRUE(findToken(agent.get("/v1/tokens"), "moica-lee"));
    auto removed = run("softhsm2-util", { "--delete-token", "--token", "moica-lee" },
        { { "SOFTHSM2_CONF", agent.softhsmConf() } });
    ASSERT_EQ(removed.exitCode, 0) << removed.output;
    auto started = std::chrono::steady_clock::now();
    auto response = agent.sign("moica-lee", randomNonce(), TestPki::get().pin());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(response.status, 409) << response.body;
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "CARD_REMOVED");
    // The other cards keep working.
    EXPECT_EQ(agent.get("/v1/version").status, 200);
    EXPECT_FALSE(findToken(agent.get("/v1/tokens"), "moica-lee"));
    auto again = agent.sign("moica-lee", randomNonce(), TestPki::get().pin());
    EXPECT_EQ(parseJson(again.body)->getValue<std::string>("error"), "NO_CARD")
        << "once reported removed, the card is simply not inserted";
}

TEST(AgentServiceTest, AMissingModuleIsReportedAndTheAgentStillAnswers)
{
    AgentProcess agent(withModule("/nonexistent/libmissing-pkcs11.so"));
    EXPECT_EQ(agent.get("/v1/version").status, 200);
    auto health = parseJson(agent.get("/v1/health").body);
    EXPECT_EQ(health->getValue<std::string>("status"), "degraded");
    EXPECT_FALSE(health->getObject("module")->getValue<bool>("loaded"));
    EXPECT_EQ(health->getObject("module")->getValue<std::string>("error"), "MODULE_LOAD_FAILED");
    auto tokens = agent.get("/v1/tokens");
    EXPECT_EQ(tokens.status, 503);
    EXPECT_EQ(parseJson(tokens.body)->getValue<std::string>("error"), "MODULE_LOAD_FAILED");
    auto sign = agent.sign("moica-wang", randomNonce(), TestPki::get().pin());
    EXPECT_EQ(sign.status, 503);
    EXPECT_EQ(parseJson(sign.body)->getValue<std::string>("error"), "MODULE_LOAD_FAILED");
}

TEST(AgentServiceTest, ATokenWithoutAUserPinIsNotInitialisedAndNothingHangs)
{
    TempDir dir("certgate-agent-uninit");
    auto conf = copySofthsmTokens(dir.path());
    // pkcs11-tool without --init-pin: the token exists but has no user PIN (not 開卡).
    auto init = run("pkcs11-tool",
        { "--module", TestPki::get().module(), "--init-token", "--label", "uninit", "--so-pin",
            "87654321", "--slot", freeSlot(conf) },
        { { "SOFTHSM2_CONF", conf } });
    ASSERT_EQ(init.exitCode, 0) << init.output;
    AgentProcess agent(withModule({}, conf));
    auto token = findToken(agent.get("/v1/tokens"), "uninit");
    ASSERT_TRUE(token);
    EXPECT_FALSE(token->getObject("flags")->getValue<bool>("pinInitialized"));
    auto started = std::chrono::steady_clock::now();
    auto response = agent.sign("uninit", randomNonce(), "123456");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(response.status, 409) << response.body;
    EXPECT_EQ(parseJson(response.body)->getValue<std::string>("error"), "CARD_NOT_INITIALISED");
    EXPECT_EQ(agent.get("/v1/certificates?token=uninit").status, 200);
}

TEST(AgentServiceTest, StopsCleanlyOnSigterm)
{
    AgentProcess agent;
    agent.process().signal(SIGTERM);
    EXPECT_EQ(agent.process().wait(std::chrono::seconds(10)), 0);
}
