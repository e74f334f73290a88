#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/SignRequest.hpp>

#include <gtest/gtest.h>

using namespace certgate::agent;

namespace {

const std::string nonce = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ8A==";

std::string field(const std::string& body)
{
    try {
        parseSignRequest(body);
    } catch (const AgentError& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadRequest);
        return e.facts().has("field") ? e.facts().getValue<std::string>("field") : "?";
    }
    return "accepted";
}

} // namespace

TEST(SignRequestTest, AValidRequestIsParsed)
{
    auto request = parseSignRequest(
        R"({"token":"moica-wang","nonce":")" + nonce + R"(","pin":"123456","keyId":"01"})");
    EXPECT_EQ(request.token, "moica-wang");
    EXPECT_EQ(request.nonce, nonce);
    EXPECT_EQ(request.pin.view(), "123456");
    EXPECT_EQ(request.keyId, "01");
}

TEST(SignRequestTest, TheKeyIdIsOptionalAndNormalisedToLowerCase)
{
    auto request = parseSignRequest(R"({"token":"t","nonce":")" + nonce + R"(","pin":"1234"})");
    EXPECT_TRUE(request.keyId.empty());
    request
        = parseSignRequest(R"({"token":"t","nonce":")" + nonce + R"(","pin":"1234","keyId":"0A"})");
    EXPECT_EQ(request.keyId, "0a");
}

TEST(SignRequestTest, EachBadFieldIsNamed)
{
    const std::string good = R"("token":"t","nonce":")" + nonce + R"(")";
    EXPECT_EQ(field("not json"), "body");
    EXPECT_EQ(field("[]"), "body");
    EXPECT_EQ(field("{" + good + "}"), "pin");
    EXPECT_EQ(field("{" + good + R"(,"pin":123456})"), "pin");
    EXPECT_EQ(field("{" + good + R"(,"pin":"123"})"), "pin");
    EXPECT_EQ(field("{" + good + R"(,"pin":"12345678901234567"})"), "pin");
    EXPECT_EQ(field("{" + good + R"(,"pin":"12 34"})"), "pin");
    EXPECT_EQ(field(R"({"nonce":")" + nonce + R"(","pin":"1234"})"), "token");
    EXPECT_EQ(field(R"({"token":"","nonce":")" + nonce + R"(","pin":"1234"})"), "token");
    EXPECT_EQ(field(R"({"token":"123456789012345678901234567890123","nonce":")" + nonce
                  + R"(","pin":"1234"})"),
        "token");
    EXPECT_EQ(field(R"({"token":"t","pin":"1234"})"), "nonce");
    EXPECT_EQ(field(R"({"token":"t","nonce":"short","pin":"1234"})"), "nonce");
    EXPECT_EQ(
        field(R"({"token":"t","nonce":"not base64 at all, with spaces!","pin":"1234"})"), "nonce");
    EXPECT_EQ(field("{" + good + R"(,"pin":"1234","keyId":"xyz"})"), "keyId");
    EXPECT_EQ(field("{" + good + R"(,"pin":"1234","keyId":7})"), "keyId");
    EXPECT_EQ(field(R"({"token":"t","nonce":")" + nonce + R"(","pin":"1234"})"), "accepted");
}

TEST(SignRequestTest, ABodyOverSixteenKibibytesIsRefused)
{
    std::string body = R"({"token":"t","nonce":")" + nonce + R"(","pin":"1234","pad":")"
        + std::string(maxRequestBody, 'x') + R"("})";
    EXPECT_EQ(field(body), "body");
}

TEST(SignRequestTest, TheErrorNeverEchoesThePin)
{
    try {
        parseSignRequest(R"({"token":"","nonce":")" + nonce + R"(","pin":"98765432"})");
        FAIL() << "accepted an empty token";
    } catch (const AgentError& e) {
        EXPECT_EQ(std::string(e.what()).find("98765432"), std::string::npos);
        std::ostringstream json;
        e.toJson().stringify(json);
        EXPECT_EQ(json.str().find("98765432"), std::string::npos);
    }
}

TEST(SignRequestTest, PinRulesAreDigitsOrPrintableAscii)
{
    EXPECT_TRUE(validPin("1234"));
    EXPECT_TRUE(validPin("1234567890123456"));
    EXPECT_TRUE(validPin("Ab#4!xyz"));
    EXPECT_FALSE(validPin("123"));
    EXPECT_FALSE(validPin("12345678901234567"));
    EXPECT_FALSE(validPin("1234\n"));
    EXPECT_FALSE(validPin("密碼1234"));
}
