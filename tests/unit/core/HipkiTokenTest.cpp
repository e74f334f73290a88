// The HiPKI token format and its to-be-signed text (docs/token-hipki.md).
#include <certgate/core/CardToken.hpp>
#include <certgate/core/Error.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace certgate::core {
namespace {

const std::string kCms = "MIIBAA==";
const std::string kCertificate = "MIIBAA==";
const std::string kSignature = "AAECAw==";
const std::string kNonce = "q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR/U=";

ErrorCode codeOf(const std::function<void()>& call)
{
    try {
        call();
    } catch (const Error& e) {
        return e.code();
    }
    return ErrorCode::InternalError;
}

ErrorCode parseCode(const std::string& json)
{
    return codeOf([&] { parseHipkiToken(json); });
}

TEST(HipkiTokenTest, APkcs7TokenCarriesTheCmsAndNoCertificateOfItsOwn)
{
    auto token = parseHipkiToken(
        R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":")" + kCms + "\"}");
    EXPECT_EQ(token.type, HipkiToken::Type::Pkcs7);
    EXPECT_EQ(token.signature, (Bytes { 0x30, 0x82, 0x01, 0x00 }));
    EXPECT_TRUE(token.certificate.empty());
    EXPECT_EQ(parseCode(R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":")" + kCms
                  + R"(","certificate":")" + kCertificate + "\"}"),
        ErrorCode::MalformedToken)
        << "the CMS's signer certificate is the only one judged";
}

TEST(HipkiTokenTest, APkcs1TokenNamesItsHashAndCertificate)
{
    auto token = parseHipkiToken(R"({"format":"hipki-sign:1","signatureType":"PKCS1",)"
                                 R"("hashAlgorithm":"SHA384","signature":")"
        + kSignature + R"(","certificate":")" + kCertificate + "\"}");
    EXPECT_EQ(token.type, HipkiToken::Type::Pkcs1);
    EXPECT_EQ(token.hashAlgorithm, "SHA384");
    EXPECT_EQ(token.signature, (Bytes { 0, 1, 2, 3 }));
    EXPECT_EQ(token.certificate, (Bytes { 0x30, 0x82, 0x01, 0x00 }));
}

TEST(HipkiTokenTest, RefusesSha1UnknownTypesUnknownMembersAndLooseBase64)
{
    auto pkcs1 = [](const std::string& hash) {
        return R"({"format":"hipki-sign:1","signatureType":"PKCS1","hashAlgorithm":")" + hash
            + R"(","signature":")" + kSignature + R"(","certificate":")" + kCertificate + "\"}";
    };
    EXPECT_EQ(parseCode(pkcs1("SHA1")), ErrorCode::MalformedToken);
    EXPECT_EQ(parseCode(pkcs1("sha256")), ErrorCode::MalformedToken);
    EXPECT_EQ(
        parseCode(R"({"format":"hipki-sign:1","signatureType":"RAW","signature":")" + kCms + "\"}"),
        ErrorCode::MalformedToken);
    EXPECT_EQ(parseCode(R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":")" + kCms
                  + R"(","pin":"123456"})"),
        ErrorCode::MalformedToken);
    EXPECT_EQ(
        parseCode(R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":"MIIBAA"})"),
        ErrorCode::MalformedToken);
    EXPECT_EQ(parseCode(R"({"format":"hipki-sign:2","signatureType":"PKCS7","signature":")" + kCms
                  + "\"}"),
        ErrorCode::MalformedToken);
    EXPECT_EQ(parseCode("[]"), ErrorCode::MalformedToken);
}

TEST(HipkiTokenTest, ACardTokenIsToldApartByItsFormat)
{
    auto hipki = parseCardToken(
        R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":")" + kCms + "\"}");
    EXPECT_EQ(hipki.signer, Signer::Hipki);
    auto agent = parseCardToken(R"({"format":"certgate-auth:1","certificate":")" + kCertificate
        + R"(","algorithm":"RS256","signature":")" + kSignature + "\"}");
    EXPECT_EQ(agent.signer, Signer::CertgateAgent);
    EXPECT_EQ(agent.agent.algorithm, "RS256");
    EXPECT_STREQ(toString(Signer::Hipki), "hipki");
    EXPECT_STREQ(toString(Signer::CertgateAgent), "certgate-agent");
    EXPECT_EQ(codeOf([] { parseCardToken(R"({"format":"other"})"); }), ErrorCode::MalformedToken);
}

TEST(HipkiTokenTest, TheTextHoldsOriginFlowStepIssueTimeAndNonceInOneFixedLine)
{
    // 2026-12-07T01:02:03Z
    EXPECT_EQ(hipkiToBeSigned("https://portal.example.gov.tw:8443", "first-registration",
                  "organisation", kNonce, 1796605323),
        "certgate-hipki-1~https~portal.example.gov.tw~8443~first-registration~organisation~"
        "20261207T010203Z~q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR_U");
    EXPECT_EQ(hipkiToBeSigned(
                  "https://portal.example.gov.tw", "operator-login", "citizen", kNonce, 1796605323),
        "certgate-hipki-1~https~portal.example.gov.tw~~operator-login~citizen~"
        "20261207T010203Z~q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR_U");
}

TEST(HipkiTokenTest, TheTextIsLeftAloneByUriAndFormEncoding)
{
    auto text = hipkiToBeSigned("https://a-b.example.gov.tw:443", "replace-both", "manager",
        "+/+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 0);
    for (char c : text) {
        const bool unreserved = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'
            || c == '.' || c == '~';
        EXPECT_TRUE(unreserved) << "'" << c << "' in " << text;
    }
}

TEST(HipkiTokenTest, DifferentTrustedValuesGiveDifferentTexts)
{
    const auto base
        = hipkiToBeSigned("https://a.gov.tw", "first-registration", "organisation", kNonce, 1);
    EXPECT_NE(
        base, hipkiToBeSigned("https://b.gov.tw", "first-registration", "organisation", kNonce, 1));
    EXPECT_NE(
        base, hipkiToBeSigned("http://a.gov.tw", "first-registration", "organisation", kNonce, 1));
    EXPECT_NE(
        base, hipkiToBeSigned("https://a.gov.tw", "authorisation", "organisation", kNonce, 1));
    EXPECT_NE(
        base, hipkiToBeSigned("https://a.gov.tw", "first-registration", "manager", kNonce, 1));
    EXPECT_NE(
        base, hipkiToBeSigned("https://a.gov.tw", "first-registration", "organisation", kNonce, 2));
    EXPECT_NE(
        base, hipkiToBeSigned("https://a.gov.tw", "first-registration", "organisation", "AAAA", 1));
}

TEST(HipkiTokenTest, AnOriginThatCannotBeWrittenSoIsTheServersFault)
{
    EXPECT_EQ(codeOf([] { hipkiToBeSigned("https://[::1]:8443", "f", "s", kNonce, 0); }),
        ErrorCode::InternalError);
    EXPECT_EQ(
        codeOf([] { hipkiToBeSigned("portal", "f", "s", kNonce, 0); }), ErrorCode::InternalError);
}

} // namespace
} // namespace certgate::core
