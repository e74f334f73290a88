#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Error.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>

namespace certgate::core {
namespace {

const std::string kCertificate = "MIIBAA=="; // bytes are not parsed here
const std::string kSignature = "AAECAw==";

std::string token(const std::string& members)
{
    return "{" + members + "}";
}
std::string validMembers(const std::string& algorithm = "RS256")
{
    return R"("format":"certgate-auth:1","certificate":")" + kCertificate + R"(","algorithm":")"
        + algorithm + R"(","signature":")" + kSignature + R"(","agentVersion":"1.0.0")";
}

ErrorCode codeOf(const std::string& json)
{
    try {
        parseAuthToken(json);
    } catch (const Error& e) {
        return e.code();
    }
    return ErrorCode::InternalError;
}

TEST(AuthTokenTest, AWellFormedTokenGivesItsDecodedParts)
{
    auto parsed = parseAuthToken(token(validMembers("ES256")));
    EXPECT_EQ(parsed.algorithm, "ES256");
    EXPECT_EQ(parsed.certificate, (Bytes { 0x30, 0x82, 0x01, 0x00 }));
    EXPECT_EQ(parsed.signature, (Bytes { 0, 1, 2, 3 }));
    EXPECT_EQ(parsed.agentVersion, "1.0.0");
}

TEST(AuthTokenTest, EveryAllowedAlgorithmIsAccepted)
{
    for (const char* algorithm : { "RS256", "PS256", "ES256", "ES384" })
        EXPECT_EQ(parseAuthToken(token(validMembers(algorithm))).algorithm, algorithm);
}

TEST(AuthTokenTest, AnythingElseIsMalformed)
{
    const std::vector<std::string> bad {
        "",
        "not json",
        "[1,2]",
        "\"a string\"",
        token(validMembers("HS256")),
        token(validMembers("none")),
        token(validMembers("rs256")),
        token(
            R"("format":"certgate-auth:2","certificate":"MIIBAA==","algorithm":"RS256","signature":"AAECAw==")"),
        token(R"("certificate":"MIIBAA==","algorithm":"RS256","signature":"AAECAw==")"),
        token(R"("format":"certgate-auth:1","algorithm":"RS256","signature":"AAECAw==")"),
        token(R"("format":"certgate-auth:1","certificate":"MIIBAA==","signature":"AAECAw==")"),
        token(R"("format":"certgate-auth:1","certificate":"MIIBAA==","algorithm":"RS256")"),
        token(validMembers() + R"(,"nonce":"extra member")"),
        token(
            R"("format":"certgate-auth:1","certificate":12,"algorithm":"RS256","signature":"AAECAw==")"),
        token(
            R"("format":"certgate-auth:1","certificate":"MIIBAA==","algorithm":"RS256","signature":"AAECAw")"),
        token(
            R"("format":"certgate-auth:1","certificate":"MIIB AA==","algorithm":"RS256","signature":"AAECAw==")"),
        token(
            R"("format":"certgate-auth:1","certificate":"MIIBAA==","algorithm":"RS256","signature":"AAECAx==")"),
        token(
            R"("format":"certgate-auth:1","certificate":"MII-AA==","algorithm":"RS256","signature":"AAECAw==")"),
        token(
            R"("format":"certgate-auth:1","certificate":"","algorithm":"RS256","signature":"AAECAw==")"),
        token(validMembers() + R"(,"agentVersion":"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0")"),
    };
    for (const auto& json : bad)
        EXPECT_EQ(codeOf(json), ErrorCode::MalformedToken) << json;
}

TEST(AuthTokenTest, OversizeTokensAreRefusedBeforeParsing)
{
    std::string huge
        = token(validMembers() + R"(,"pad":")" + std::string(kMaxTokenBytes, 'A') + "\"");
    EXPECT_EQ(codeOf(huge), ErrorCode::MalformedToken);
}

TEST(AuthTokenTest, TheSignedDataIsTheTwoSha256DigestsOneAfterTheOther)
{
    auto sha256 = [](const std::string& text) {
        Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
        engine.update(text);
        return engine.digest();
    };
    auto expected = sha256("https://portal.example.gov.tw");
    auto second = sha256("bm9uY2U=");
    expected.insert(expected.end(), second.begin(), second.end());

    auto data = signedData("https://portal.example.gov.tw", "bm9uY2U=");

    EXPECT_EQ(data.size(), 64u);
    EXPECT_EQ(data, Bytes(expected.begin(), expected.end()));
}

TEST(AuthTokenTest, StrictBase64RoundTripsAndRefusesNonCanonicalText)
{
    Bytes bytes { 0xFF, 0x00, 0x10, 0x20, 0x30 };
    auto text = encodeBase64(bytes);
    EXPECT_EQ(text, "/wAQIDA=");
    EXPECT_EQ(decodeBase64Strict(text), bytes);
    EXPECT_FALSE(decodeBase64Strict("/wAQIDB=")); // stray bits in the padding
    EXPECT_FALSE(decodeBase64Strict("/wAQIDA"));
    EXPECT_FALSE(decodeBase64Strict("/wAQ\nIDA="));
    EXPECT_FALSE(decodeBase64Strict("/w=QIDA="));
    EXPECT_FALSE(decodeBase64Strict("_wAQIDA="));
}

} // namespace
} // namespace certgate::core
