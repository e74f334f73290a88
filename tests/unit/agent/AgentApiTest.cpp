#include <certgate/agent/AgentApi.hpp>
#include <certgate/agent/SignatureFormat.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <optional>

using namespace certgate::agent;

namespace {

const std::string portal = "https://portal.certgate.test:8443";
const std::string nonce = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ8A==";

/// The test double of CardService: scripted answers, records what it was asked.
class FakeCardService final : public CardService {
public:
    HealthStatus health() override
    {
        HealthStatus status;
        status.modulePath = "/fake.so";
        status.moduleLoaded = loaded;
        if (!loaded)
            status.moduleError = ErrorCode::ModuleLoadFailed;
        return status;
    }
    std::vector<SlotStatus> tokens() override { return slots; }
    std::vector<CertificateInfo> certificates(const std::string& label) override
    {
        lastToken = label;
        return {};
    }
    SignResult sign(const std::string& label, const std::string& keyId, const SecretBuffer& pin,
        const Bytes& data) override
    {
        ++signCalls;
        lastToken = label;
        lastKeyId = keyId;
        lastPin = std::string(pin.view());
        lastData = data;
        if (signError)
            throw *signError;
        return SignResult { { 0x30, 0x00 }, "RS256", { 1, 2, 3 } };
    }

    bool loaded = true;
    std::vector<SlotStatus> slots;
    std::optional<AgentError> signError;
    int signCalls = 0;
    std::string lastToken, lastKeyId, lastPin;
    Bytes lastData;
};

class AgentApiTest : public ::testing::Test {
protected:
    AgentApiTest()
        : api(cards, OriginPolicy({ portal }))
    {
        api.setPort(27161);
    }

    ApiResponse send(const std::string& method, const std::string& target,
        std::map<std::string, std::string> headers = {}, std::string body = {})
    {
        ApiRequest request;
        request.method = method;
        request.target = target;
        request.headers = std::move(headers);
        if (!request.headers.count("host"))
            request.headers["host"] = "127.0.0.1:27161";
        request.body = std::move(body);
        return api.handle(request);
    }

    ApiResponse signRequest(
        std::map<std::string, std::string> headers, const std::string& pin = "123456")
    {
        headers.emplace("content-type", "application/json");
        return send("POST", "/v1/sign", headers,
            R"({"token":"moica-wang","nonce":")" + nonce + R"(","pin":")" + pin + R"("})");
    }

    static Poco::JSON::Object::Ptr json(const ApiResponse& response)
    {
        Poco::JSON::Parser parser;
        return parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    }

    FakeCardService cards;
    AgentApi api;
};

} // namespace

TEST_F(AgentApiTest, VersionAnswersNameVersionAndProtocol)
{
    auto response = send("GET", "/v1/version");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"name":"certgate-agent","version":"1.0.0","protocol":1})");
    EXPECT_EQ(response.header("Content-Type"), "application/json; charset=utf-8");
}

TEST_F(AgentApiTest, AnAllowedOriginGetsItsOwnOriginBackAndVary)
{
    auto response = send("GET", "/v1/version", { { "origin", portal } });
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), portal);
    EXPECT_EQ(response.header("Vary"), "Origin");
}

TEST_F(AgentApiTest, AnOriginNotOnTheListIsRefusedWithoutCorsHeaders)
{
    auto response = send("GET", "/v1/tokens", { { "origin", "https://evil.test" } });
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(json(response)->getValue<std::string>("error"), "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), "");
    EXPECT_EQ(response.header("Vary"), "");
}

TEST_F(AgentApiTest, APreflightIsAnsweredWithMethodsHeadersAndMaxAge)
{
    auto response = send("OPTIONS", "/v1/sign",
        { { "origin", portal }, { "access-control-request-method", "POST" },
            { "access-control-request-headers", "content-type" } });
    EXPECT_EQ(response.status, 204);
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), portal);
    EXPECT_EQ(response.header("Access-Control-Allow-Methods"), "GET, POST");
    EXPECT_EQ(response.header("Access-Control-Allow-Headers"), "Content-Type");
    EXPECT_EQ(response.header("Access-Control-Max-Age"), "600");
    EXPECT_EQ(response.header("Access-Control-Allow-Private-Network"), "");
}

TEST_F(AgentApiTest, APrivateNetworkAccessPreflightIsAllowedForAnAllowedOrigin)
{
    auto response = send("OPTIONS", "/v1/tokens",
        { { "origin", portal }, { "access-control-request-method", "GET" },
            { "access-control-request-private-network", "true" } });
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(response.header("Access-Control-Allow-Private-Network"), "true");
}

TEST_F(AgentApiTest, APreflightFromAnotherOriginIsRefused)
{
    auto response = send("OPTIONS", "/v1/sign",
        { { "origin", "https://evil.test" },
            { "access-control-request-private-network", "true" } });
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.header("Access-Control-Allow-Private-Network"), "");
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), "");
}

TEST_F(AgentApiTest, AForeignHostHeaderIsRefusedAgainstDnsRebinding)
{
    for (const auto& host : { "evil.test:27161", "127.0.0.1:80", "127.0.0.1", "" }) {
        auto response = send("GET", "/v1/version", { { "host", host } });
        EXPECT_EQ(response.status, 403) << host;
        EXPECT_EQ(json(response)->getValue<std::string>("error"), "HOST_NOT_ALLOWED") << host;
    }
    EXPECT_EQ(send("GET", "/v1/version", { { "host", "localhost:27161" } }).status, 200);
}

TEST_F(AgentApiTest, GetWithoutOriginIsAllowedForTheCommandLine)
{
    auto response = send("GET", "/v1/health");
    EXPECT_EQ(response.status, 200);
    auto body = json(response);
    EXPECT_EQ(body->getValue<std::string>("status"), "ok");
    EXPECT_EQ(body->getObject("module")->getValue<std::string>("path"), "/fake.so");
    EXPECT_TRUE(body->getObject("module")->isNull("error"));
    EXPECT_TRUE(body->getObject("pcsc")->isNull("running"));
}

TEST_F(AgentApiTest, HealthIsDegradedWhenTheModuleDidNotLoad)
{
    cards.loaded = false;
    auto body = json(send("GET", "/v1/health"));
    EXPECT_EQ(body->getValue<std::string>("status"), "degraded");
    EXPECT_EQ(body->getObject("module")->getValue<std::string>("error"), "MODULE_LOAD_FAILED");
}

TEST_F(AgentApiTest, SignWithoutOriginIsRefused)
{
    auto response = signRequest({});
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(json(response)->getValue<std::string>("error"), "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(cards.signCalls, 0);
}

TEST_F(AgentApiTest, SignSignsForTheRequestOriginAndReturnsTheSpecToken)
{
    auto response = signRequest({ { "origin", portal } });
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(cards.lastData, signedData(portal, nonce));
    EXPECT_EQ(cards.lastToken, "moica-wang");
    EXPECT_EQ(cards.lastPin, "123456");
    EXPECT_EQ(response.body,
        R"({"format":"certgate-auth:1","certificate":"MAA=","algorithm":"RS256","signature":"AQID","agentVersion":"1.0.0"})");
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), portal);
}

TEST_F(AgentApiTest, AnOriginInTheBodyCannotChooseWhatIsSigned)
{
    ApiRequest request;
    request.method = "POST";
    request.target = "/v1/sign";
    request.headers = { { "host", "127.0.0.1:27161" }, { "origin", portal },
        { "content-type", "application/json" } };
    request.body
        = R"({"token":"t","nonce":")" + nonce + R"(","pin":"123456","origin":"https://evil.test"})";
    EXPECT_EQ(api.handle(request).status, 200);
    EXPECT_EQ(cards.lastData, signedData(portal, nonce));
    EXPECT_TRUE(request.body.empty()) << "the body held a PIN and must be wiped";
}

TEST_F(AgentApiTest, CardErrorsKeepTheirStatusFactsAndCorsHeaders)
{
    Poco::JSON::Object facts;
    facts.set("pinCountLow", true);
    cards.signError = AgentError(ErrorCode::PinIncorrect, "detail for the log", facts);
    auto response = signRequest({ { "origin", portal } }, "000000");
    EXPECT_EQ(response.status, 403);
    auto body = json(response);
    EXPECT_EQ(body->getValue<std::string>("error"), "PIN_INCORRECT");
    EXPECT_TRUE(body->getValue<bool>("pinCountLow"));
    EXPECT_FALSE(body->getValue<std::string>("message").empty());
    EXPECT_FALSE(body->getValue<std::string>("messageEn").empty());
    EXPECT_EQ(response.body.find("000000"), std::string::npos);
    EXPECT_EQ(response.body.find("detail for the log"), std::string::npos);
    EXPECT_EQ(response.header("Access-Control-Allow-Origin"), portal);
}

TEST_F(AgentApiTest, BusyAsksThePageToRetryLater)
{
    cards.signError = AgentError(ErrorCode::Busy);
    auto response = signRequest({ { "origin", portal } });
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(response.header("Retry-After"), "1");
}

TEST_F(AgentApiTest, SignNeedsAJsonContentType)
{
    auto response
        = send("POST", "/v1/sign", { { "origin", portal }, { "content-type", "text/plain" } },
            R"({"token":"t","nonce":")" + nonce + R"(","pin":"123456"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(cards.signCalls, 0);
}

TEST_F(AgentApiTest, AnOversizedBodyIsRefused)
{
    ApiRequest request;
    request.method = "POST";
    request.target = "/v1/sign";
    request.headers = { { "host", "127.0.0.1:27161" }, { "origin", portal },
        { "content-type", "application/json" } };
    request.bodyTooLarge = true;
    auto response = api.handle(request);
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(json(response)->getValue<std::string>("error"), "BAD_REQUEST");
}

TEST_F(AgentApiTest, UnknownPathsAndWrongMethodsAreRefused)
{
    EXPECT_EQ(send("GET", "/v1/nothing").status, 404);
    auto response = send("GET", "/v1/sign");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.header("Allow"), "POST, OPTIONS");
    EXPECT_EQ(send("POST", "/v1/tokens", { { "origin", portal } }).status, 405);
}

TEST_F(AgentApiTest, NoSlotAtAllListsNothingAndSaysNoReader)
{
    auto response = send("GET", "/v1/tokens");
    EXPECT_EQ(response.status, 200);
    auto body = json(response);
    EXPECT_EQ(body->getArray("tokens")->size(), 0u);
    EXPECT_EQ(body->getValue<std::string>("error"), "NO_READER");
}

TEST_F(AgentApiTest, TokensCarryTheirFlags)
{
    SlotStatus slot;
    slot.slotId = 7;
    slot.slotDescription = slot.reader = "Reader 0";
    slot.present = true;
    slot.label = "moica-wang";
    slot.flags.pinInitialized = true;
    slot.flags.pinFinalTry = true;
    cards.slots = { slot, SlotStatus {} };
    auto body = json(send("GET", "/v1/tokens"));
    EXPECT_FALSE(body->has("error"));
    auto tokens = body->getArray("tokens");
    ASSERT_EQ(tokens->size(), 2u);
    auto first = tokens->getObject(0);
    EXPECT_EQ(first->getValue<int>("slotId"), 7);
    EXPECT_TRUE(first->getValue<bool>("present"));
    EXPECT_TRUE(first->getObject("flags")->getValue<bool>("pinFinalTry"));
    EXPECT_FALSE(first->getObject("flags")->getValue<bool>("pinLocked"));
    EXPECT_FALSE(tokens->getObject(1)->getValue<bool>("present"));
}

TEST_F(AgentApiTest, CertificatesNeedATokenParameter)
{
    EXPECT_EQ(send("GET", "/v1/certificates").status, 400);
    auto response = send("GET", "/v1/certificates?token=moica%2Dwang");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(cards.lastToken, "moica-wang");
    EXPECT_EQ(json(response)->getValue<std::string>("token"), "moica-wang");
}
