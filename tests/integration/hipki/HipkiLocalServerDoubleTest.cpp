// The HiPKI Local Server TEST DOUBLE itself (tests/support/hipki): the protocol facts of
// /work/shared/reference/hipki-protocol.md over real HTTP, and signatures that are real CMS
// made on the SoftHSM2 card, checked here with OpenSSL alone.
#include <certgate/test/HipkiLocalServerDouble.hpp>
#include <certgate/test/HipkiSignatures.hpp>
#include <certgate/test/HttpClient.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

namespace certgate::test {
namespace {

using Json = Poco::JSON::Object::Ptr;

Json parse(const std::string& text)
{
    return Poco::JSON::Parser().parse(text).extract<Json>();
}

std::string decodeBase64(const std::string& text)
{
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    return std::string((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
}

class HipkiLocalServerDoubleTest : public ::testing::Test {
protected:
    void SetUp() override { start({}); }

    void start(HipkiLocalServerDouble::Options options)
    {
        double_.reset();
        options.softhsmConf = copySofthsmTokens(tokens_.path());
        options.card = "moica-wang";
        double_ = std::make_unique<HipkiLocalServerDouble>(options);
    }

    Json sign(const std::string& package)
    {
        auto response = httpRequest("POST", double_->url() + "/sign", "tbsPackage=" + package,
            { { "Content-Type", "application/x-www-form-urlencoded" } });
        EXPECT_EQ(response.status, 200);
        return parse(response.body);
    }
    std::string package(const std::string& pin, const std::string& type = "PKCS7")
    {
        return R"({"func":"MakeSignature","signatureType":")" + type
            + R"(","tbs":"hello%20HiPKI","tbsEncoding":"NONE","hashAlgorithm":"SHA256",)"
              R"("withCardSN":"true","nonce":"","pin":")"
            + pin + "\"}";
    }

    TempDir tokens_;
    std::unique_ptr<HipkiLocalServerDouble> double_;
};

TEST_F(HipkiLocalServerDoubleTest, Pkcs11infoListsTheReaderTheCardNumberAndTheCertificates)
{
    auto bare = parse(httpRequest("GET", double_->url() + "/pkcs11info").body);
    EXPECT_EQ(bare->getValue<int>("ret_code"), 0);
    EXPECT_EQ(bare->getValue<std::string>("func"), "pkcs11info");
    EXPECT_FALSE(bare->getValue<std::string>("serverVersion").empty());
    auto slot = bare->getArray("slots")->getObject(0);
    EXPECT_FALSE(slot->getValue<std::string>("slotDescription").empty());
    EXPECT_FALSE(slot->getObject("token")->has("certs"));

    auto full = parse(httpRequest("POST", double_->url() + "/pkcs11info?withcert=true").body);
    auto token = full->getArray("slots")->getObject(0)->getObject("token");
    EXPECT_FALSE(token->getValue<std::string>("serialNumber").empty());
    auto certs = token->getArray("certs");
    ASSERT_EQ(certs->size(), 2u);
    std::set<std::string> usages;
    for (std::size_t i = 0; i < certs->size(); ++i)
        usages.insert(certs->getObject(static_cast<unsigned>(i))->getValue<std::string>("usage"));
    EXPECT_EQ(
        usages, (std::set<std::string> { "digitalSignature", "keyEncipherment|dataEncipherment" }));
}

TEST_F(HipkiLocalServerDoubleTest, MakeSignatureGivesHipkisPkcs7MadeOnTheCard)
{
    auto answer = sign(package("123456"));
    ASSERT_EQ(answer->getValue<int>("ret_code"), 0) << answer->getValue<std::string>("message");
    EXPECT_EQ(answer->getValue<std::string>("func"), "sign");
    auto der = decodeBase64(answer->getValue<std::string>("signature"));
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
        d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
    ASSERT_TRUE(cms);
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    ASSERT_EQ(CMS_verify(cms.get(), nullptr, nullptr, nullptr, out.get(),
                  CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY),
        1);
    char* content = nullptr;
    auto length = BIO_get_mem_data(out.get(), &content);
    EXPECT_EQ(std::string(content, static_cast<std::size_t>(length)), "hello HiPKI")
        << "tbs decoded once from encodeURIComponent and encapsulated";
    auto* signer = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    EXPECT_GE(CMS_signed_get_attr_by_NID(signer, NID_pkcs9_signingTime, -1), 0);
    EXPECT_GE(CMS_signed_get_attr_by_OBJ(signer, OBJ_txt2obj("2.16.886.1.100.2.204", 1), -1), 0)
        << "withCardSN adds the card number";
    const auto& pem = TestPki::get().card("moica-wang").signCert; // cards/<card>/sign.pem
    const auto certificate = readBinaryFile(pem.substr(0, pem.size() - 4) + ".der");
    EXPECT_EQ(decodeBase64(answer->getValue<std::string>("certb64")),
        std::string(certificate.begin(), certificate.end()));
}

TEST_F(HipkiLocalServerDoubleTest, AWrongPinIsACardLoginFailureWithTheWrongPinMinorCode)
{
    auto answer = sign(package("000000"));
    EXPECT_EQ(answer->getValue<std::int64_t>("ret_code"), 0x76100006);
    EXPECT_EQ(answer->getValue<std::int64_t>("last_error"), 0xA0);
    EXPECT_FALSE(answer->has("signature"));
}

TEST_F(HipkiLocalServerDoubleTest, NoCardNoPinBadJsonAndUnknownMethodsHaveTheirCodes)
{
    EXPECT_EQ(sign(package(""))->getValue<std::int64_t>("ret_code"), 0x76000998);
    EXPECT_EQ(sign("not-json")->getValue<std::int64_t>("ret_code"), 0x7600000B);
    EXPECT_EQ(sign(package("123456", "RAW"))->getValue<std::int64_t>("ret_code"), 0x7600000E);
    EXPECT_EQ(sign(R"({"func":"MakeSignature","signatureType":"PKCS7","pin":"123456"})")
                  ->getValue<std::int64_t>("ret_code"),
        0x76000003);
    double_->insert("");
    EXPECT_EQ(sign(package("123456"))->getValue<std::int64_t>("ret_code"), 0x76000006);
    auto info = parse(httpRequest("GET", double_->url() + "/pkcs11info").body);
    EXPECT_FALSE(info->getArray("slots")->getObject(0)->has("token")) << "no card, no token";
}

TEST_F(HipkiLocalServerDoubleTest, ThePopupFormSpeaksFirstAndSendsNoCorsHeaders)
{
    auto page = httpRequest("GET", double_->url() + "/popupForm");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find(R"('{"func":"getTbs"}')"), std::string::npos);
    EXPECT_NE(page.body.find("0x76000031"), std::string::npos);
    auto info = httpRequest("GET", double_->url() + "/pkcs11info", {},
        { { "Origin", "https://portal.certgate.test" } });
    EXPECT_TRUE(info.header("access-control-allow-origin").empty());
}

TEST_F(HipkiLocalServerDoubleTest, WithTheDoublesPinCounterWrongPinsCountDownToALockedCard)
{
    HipkiLocalServerDouble::Options options;
    options.pinTries = 3;
    start(options);
    const auto minor = [this](const std::string& pin) {
        auto answer = sign(package(pin));
        EXPECT_EQ(answer->getValue<std::int64_t>("ret_code"), 0x76100006);
        return answer->getValue<std::int64_t>("last_error");
    };
    EXPECT_EQ(minor("000000"), -2147483646) << "0x80000002: two tries left";
    EXPECT_EQ(sign(package("123456"))->getValue<std::int64_t>("ret_code"), 0) << "resets";
    EXPECT_EQ(minor("000000"), -2147483646);
    EXPECT_EQ(minor("000000"), -2147483647) << "0x80000001: the final try";
    EXPECT_EQ(minor("000000"), 0xA4) << "locked";
    EXPECT_EQ(minor("123456"), 0xA4) << "a locked card takes no PIN, not even the right one";
}

TEST_F(HipkiLocalServerDoubleTest, ACardLockedByTheDoublesSwitchAnswersLocked)
{
    HipkiLocalServerDouble::Options options;
    options.lockedCards = { "moica-wang" };
    start(options);
    auto answer = sign(package("123456"));
    EXPECT_EQ(answer->getValue<std::int64_t>("ret_code"), 0x76100006);
    EXPECT_EQ(answer->getValue<std::int64_t>("last_error"), 0xA4);
}

TEST_F(HipkiLocalServerDoubleTest, WithoutAReaderPkcs11infoListsNoSlotAndSigningSaysNoReader)
{
    HipkiLocalServerDouble::Options options;
    options.reader = false;
    start(options);
    auto info = parse(httpRequest("GET", double_->url() + "/pkcs11info").body);
    EXPECT_EQ(info->getArray("slots")->size(), 0U);
    EXPECT_EQ(sign(package("123456"))->getValue<std::int64_t>("ret_code"), 0x76100003);
}

TEST_F(HipkiLocalServerDoubleTest, AddDomainAddsTheHostOnlyFromItsOwnPage)
{
    auto page = httpRequest("GET", double_->url() + "/addDomain?domain=portal.certgate.test");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find(R"(const domain = "portal.certgate.test")"), std::string::npos);
    auto hostile = httpRequest("GET", double_->url() + "/addDomain?domain=%22%3C/script%3E");
    EXPECT_NE(hostile.body.find(R"(const domain = "")"), std::string::npos);
    const std::map<std::string, std::string> form { { "Content-Type",
        "application/x-www-form-urlencoded" } };
    auto headers = form;
    headers["Origin"] = "https://elsewhere.example";
    auto refused
        = httpRequest("POST", double_->url() + "/addDomain", "domain=elsewhere.example", headers);
    EXPECT_EQ(parse(refused.body)->getValue<std::int64_t>("ret_code"), 0x7600000F);
    headers["Origin"] = double_->url();
    auto added = httpRequest(
        "POST", double_->url() + "/addDomain", "domain=portal.certgate.test", headers);
    EXPECT_EQ(parse(added.body)->getValue<std::int64_t>("ret_code"), 0);
    const auto domains = double_->allowedDomains();
    EXPECT_NE(std::find(domains.begin(), domains.end(), "portal.certgate.test"), domains.end());
    EXPECT_EQ(std::find(domains.begin(), domains.end(), "elsewhere.example"), domains.end());
    EXPECT_NE(httpRequest("GET", double_->url() + "/popupForm").body.find("portal.certgate.test"),
        std::string::npos)
        << "the popup serves the added host";
}

TEST_F(HipkiLocalServerDoubleTest, OnlyWhenToldTheDoubleAnswersCorsForThatOriginOnly)
{
    HipkiLocalServerDouble::Options options;
    options.corsOrigin = "https://portal.certgate.test";
    start(options);
    const auto allowed = [this](const std::string& origin) {
        return httpRequest("GET", double_->url() + "/pkcs11info", {}, { { "Origin", origin } })
            .header("access-control-allow-origin");
    };
    EXPECT_EQ(allowed("https://portal.certgate.test"), "https://portal.certgate.test");
    EXPECT_EQ(allowed("https://elsewhere.example"), "");
}

TEST_F(HipkiLocalServerDoubleTest, TheVersionImageCarriesPkcs11infoInItsPixels)
{
    auto image = httpRequest("GET", double_->url() + "/p11Image.bmp");
    EXPECT_EQ(image.status, 200);
    EXPECT_EQ(image.header("content-type"), "image/bmp");
    ASSERT_EQ(image.body.size(), 14U + 40U + 6000U);
    EXPECT_EQ(image.body.substr(0, 2), "BM");
    // A client reads blue, green, red of each pixel back: the pixel bytes as stored.
    std::string text = image.body.substr(54);
    text.resize(text.find('\0'));
    auto info = parse(text);
    EXPECT_EQ(info->getValue<std::string>("serverVersion"), "1.3.4.103328");
    EXPECT_EQ(info->getValue<std::int64_t>("ret_code"), 0);
}

} // namespace
} // namespace certgate::test
