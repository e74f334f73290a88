// HiPKI Local Server as a second signer (issue 15 items 3 and 4; docs/token-hipki.md): the
// HiPKI TEST DOUBLE signs the server's to-be-signed text through libp11 on the SoftHSM2 test
// cards (MakeSignature over its real HTTP /sign), the token is posted to a real `certgate
// serve`, and the server's judgement is the same trust core as for certgate-agent tokens.
#include "PortalTestSupport.hpp"

#include <certgate/test/HipkiLocalServerDouble.hpp>

#include <Poco/JSON/Parser.h>

namespace certgate::test {
namespace {

/// application/x-www-form-urlencoded value: everything but RFC 3986 unreserved escaped (so
/// '+' goes as %2B, as HiPKI's clients do).
std::string formEncoded(const std::string& text)
{
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (char signedChar : text) {
        const auto c = static_cast<unsigned char>(signedChar);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(signedChar);
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

class HipkiSignerTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        Json hipki = new Poco::JSON::Object;
        hipki->set("enabled", enabled());
        hipki->set("localServer", "http://127.0.0.1:61999");
        setConfigValue(config, "portal", "hipki", hipki);
    }
    virtual bool enabled() const { return true; }

    void SetUp() override
    {
        PortalTest::SetUp();
        HipkiLocalServerDouble::Options options;
        options.softhsmConf = copySofthsmTokens(tokens_.path());
        hipki_ = std::make_unique<HipkiLocalServerDouble>(options);
    }

    /// The challenge answer of a card step (nonce, hipkiToBeSigned, ...).
    Json challenge(FlowClient& flow, const std::string& purpose)
    {
        auto response = flow.request("POST", "/challenge", R"({"purpose":")" + purpose + "\"}");
        require(response, 200, "challenge");
        return body(response);
    }

    /// MakeSignature on the double, as the page's popup (or IE) sends it.
    Json makeSignature(const std::string& card, const std::string& tbs,
        const std::string& type = "PKCS7", const std::string& hash = "SHA256",
        const std::string& pin = TestPki::get().pin())
    {
        hipki_->insert(card);
        Poco::JSON::Object package;
        package.set("func", "MakeSignature");
        package.set("signatureType", type);
        package.set("tbs", tbs);
        package.set("tbsEncoding", "NONE");
        package.set("hashAlgorithm", hash);
        package.set("withCardSN", "true");
        package.set("pin", pin);
        package.set("nonce", "");
        std::ostringstream json;
        package.stringify(json);
        auto response
            = httpRequest("POST", hipki_->url() + "/sign", "tbsPackage=" + formEncoded(json.str()),
                { { "Content-Type", "application/x-www-form-urlencoded" } });
        require(response, 200, "HiPKI double /sign");
        return body(response);
    }

    /// The token the portal builds from HiPKI's answer.
    static std::string tokenFrom(
        const Json& answer, const std::string& type = "PKCS7", const std::string& hash = "SHA256")
    {
        Poco::JSON::Object token;
        token.set("format", "hipki-sign:1");
        token.set("signatureType", type);
        token.set("signature", text(answer, "signature"));
        if (type == "PKCS1") {
            token.set("hashAlgorithm", hash);
            token.set("certificate", text(answer, "certb64"));
        }
        std::ostringstream out;
        token.stringify(out);
        return out.str();
    }

    /// One whole card step signed by the double: challenge, MakeSignature on its text, post.
    HttpResponse hipkiStep(FlowClient& flow, const std::string& step, const std::string& purpose,
        Json fields, const std::string& card, const std::string& type = "PKCS7",
        const std::string& hash = "SHA256")
    {
        auto issued = challenge(flow, purpose);
        auto answer = makeSignature(card, text(issued, "hipkiToBeSigned"), type, hash);
        EXPECT_EQ(answer->getValue<std::int64_t>("ret_code"), 0) << stringify(answer);
        return flow.cardStep(step, fields, text(issued, "nonce"), tokenFrom(answer, type, hash));
    }

    static Json fields(const std::string& key, const std::string& value)
    {
        Json out = new Poco::JSON::Object;
        out->set(key, value);
        return out;
    }

    std::string signerOf(const std::string& action)
    {
        auto details = sql("SELECT details FROM audit_events WHERE action = '" + action
            + "' AND outcome = 'ok' ORDER BY seq DESC LIMIT 1");
        return Poco::JSON::Parser().parse(details).extract<Json>()->getValue<std::string>("signer");
    }

    TempDir tokens_;
    std::unique_ptr<HipkiLocalServerDouble> hipki_;
};

TEST_P(HipkiSignerTest, TheChallengeCarriesTheTextBuiltFromTrustedValuesOnly)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    auto issued = challenge(flow, "organisation");
    auto nonce = text(issued, "nonce");
    std::string url = nonce;
    for (auto& c : url)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    url.erase(url.find_last_not_of('=') + 1);
    const auto& tbs = text(issued, "hipkiToBeSigned");
    EXPECT_TRUE(tbs.starts_with("certgate-hipki-1~https~portal.certgate.test~~first-registration~"
                                "organisation~"))
        << tbs;
    EXPECT_TRUE(tbs.ends_with("Z~" + url)) << tbs;
    EXPECT_FALSE(text(issued, "hipkiExpiresAt").empty());
}

TEST_P(HipkiSignerTest, ThePagesAreToldWhereHipkiIsAndMayOpenItsPopupAndReachIt)
{
    auto response = httpRequest("GET", server().url() + "/api/v1/config");
    auto config = body(response);
    EXPECT_TRUE(config->getValue<bool>("hipki"));
    EXPECT_EQ(text(config, "hipkiLocalServer"), "http://127.0.0.1:61999");
    const auto csp = response.header("content-security-policy");
    EXPECT_NE(csp.find("img-src 'self' data: http://127.0.0.1:61999;"), std::string::npos) << csp;
    EXPECT_NE(csp.find(" http://127.0.0.1:61999; frame-ancestors"), std::string::npos) << csp;
    EXPECT_EQ(response.header("cross-origin-opener-policy"), "same-origin-allow-popups")
        << "the page keeps its handle on HiPKI's popup";
}

TEST_P(HipkiSignerTest, FirstRegistrationAcceptsBothCardsSignedThroughHipkiAndAuditsTheSigner)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");

    auto organisation = hipkiStep(
        flow, "organisation-card", "organisation", fields("agencyCode", "A0001"), "gca-moi");
    ASSERT_TRUE(answered(organisation));
    EXPECT_EQ(flow.step(), "manager");
    EXPECT_EQ(signerOf("flow.organisation-card"), "hipki");

    // The manager's citizen card through HiPKI's PKCS1 this time.
    auto manager = hipkiStep(flow, "manager-card", "manager",
        fields("nationalId", card("moica-wang").nationalId), "moica-wang", "PKCS1");
    ASSERT_TRUE(answered(manager));
    EXPECT_EQ(flow.step(), "confirm");
    EXPECT_EQ(signerOf("flow.manager-card"), "hipki");
    EXPECT_EQ(
        text(object(object(flow.last(), "flow"), "manager"), "serial"), card("moica-wang").serial);

    Contact contact;
    ASSERT_TRUE(answered(flow.confirm(contact.name, contact.email, contact.phone)));
}

TEST_P(HipkiSignerTest, OperatorLoginAcceptsACitizenCardSignedThroughHipki)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto authorisation = authorise("A0001", "gca-moi", "moica-wang");
    const auto& chen = card("moica-chen");
    require(
        authorisation.addOperator(chen.serial, chen.personName, chen.nationalId, { "enrolment" }),
        201, "operator");
    EXPECT_EQ(signerOf("flow.organisation-card"), "certgate-agent");

    auto flow = startFlow("operator-login");
    auto login = hipkiStep(flow, "citizen-card", "citizen", fields("nationalId", ""), "moica-chen");

    ASSERT_TRUE(answered(login));
    EXPECT_EQ(flow.step(), "done");
    EXPECT_EQ(signerOf("operator.login"), "hipki");
}

TEST_P(HipkiSignerTest, ASignatureOverAnotherStepsTextIsRefused)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    auto issued = challenge(flow, "organisation");
    auto tbs = text(issued, "hipkiToBeSigned");
    const auto step = tbs.find("~organisation~");
    auto other = tbs.substr(0, step) + "~manager~" + tbs.substr(step + 14);
    auto answer = makeSignature("gca-moi", other);

    auto response = flow.cardStep("organisation-card", fields("agencyCode", "A0001"),
        text(issued, "nonce"), tokenFrom(answer));

    EXPECT_TRUE(refused(response, 403, "SIGNATURE_INVALID"));
    // The nonce is spent: the very token cannot be tried again.
    auto again = flow.cardStep("organisation-card", fields("agencyCode", "A0001"),
        text(issued, "nonce"), tokenFrom(answer));
    EXPECT_TRUE(refused(again, 400, "NONCE_REPLAYED"));
}

TEST_P(HipkiSignerTest, ASignatureOfOneFlowsTextDoesNotServeAnotherFlow)
{
    auto first = startFlow("first-registration");
    require(first.acceptTerms(), 200, "terms");
    auto relayed
        = makeSignature("gca-moi", text(challenge(first, "organisation"), "hipkiToBeSigned"));
    auto second = startFlow("first-registration");
    require(second.acceptTerms(), 200, "terms");
    auto nonce = text(challenge(second, "organisation"), "nonce");

    auto response = second.cardStep(
        "organisation-card", fields("agencyCode", "A0001"), nonce, tokenFrom(relayed));

    EXPECT_TRUE(refused(response, 403, "SIGNATURE_INVALID"));
}

TEST_P(HipkiSignerTest, ASha1SignatureFromHipkiIsRefused)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    auto response = hipkiStep(flow, "organisation-card", "organisation",
        fields("agencyCode", "A0001"), "gca-moi", "PKCS7", "SHA1");
    EXPECT_TRUE(refused(response, 403, "SIGNATURE_INVALID"));
}

TEST_P(HipkiSignerTest, APkcs1TokenNamingAnotherCardsCertificateIsRefused)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    auto issued = challenge(flow, "organisation");
    auto answer = makeSignature("gca-moi", text(issued, "hipkiToBeSigned"), "PKCS1");
    answer->set("certb64", certificateBase64("gca-mofa"));

    auto response = flow.cardStep("organisation-card", fields("agencyCode", "A0001"),
        text(issued, "nonce"), tokenFrom(answer, "PKCS1"));

    EXPECT_TRUE(refused(response, 403, "SIGNATURE_INVALID"));
}

TEST_P(HipkiSignerTest, TheTrustCoreJudgesHipkiCardsAsAgentCards)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    EXPECT_TRUE(refused(hipkiStep(flow, "organisation-card", "organisation",
                            fields("agencyCode", "A0001"), "moica-wang"),
        422, "WRONG_CARD_KIND"));
    auto login = startFlow("operator-login");
    EXPECT_TRUE(refused(
        hipkiStep(login, "citizen-card", "citizen", fields("nationalId", ""), "moica-expired"), 403,
        "CERT_EXPIRED"));
    auto other = startFlow("operator-login");
    EXPECT_TRUE(refused(
        hipkiStep(other, "citizen-card", "citizen", fields("nationalId", ""), "moica-revoked"), 403,
        "CERT_REVOKED"));
}

TEST_P(HipkiSignerTest, AHipkiSignatureIsAcceptedOnlyWithinItsShortWindow)
{
    auto flow = startFlow("operator-login");
    auto issued = challenge(flow, "citizen");
    auto answer = makeSignature("moica-chen", text(issued, "hipkiToBeSigned"));
    // Past portal.hipki.maxNonceAgeSeconds (120 s), well within the nonce's own 5 minutes.
    setClockOffset(clockOffset() + 121);

    auto response = flow.cardStep(
        "citizen-card", fields("nationalId", ""), text(issued, "nonce"), tokenFrom(answer));

    EXPECT_TRUE(refused(response, 400, "NONCE_EXPIRED"));
}

TEST_P(HipkiSignerTest, AMalformedCmsIsRefusedBeforeTheNonceIsSpent)
{
    auto flow = startFlow("operator-login");
    auto issued = challenge(flow, "citizen");
    const std::string garbage
        = R"({"format":"hipki-sign:1","signatureType":"PKCS7","signature":"MIIBAA=="})";

    EXPECT_TRUE(refused(
        flow.cardStep("citizen-card", fields("nationalId", ""), text(issued, "nonce"), garbage),
        400, "MALFORMED_TOKEN"));

    // The same nonce still takes a good signature: every token and card check passes, and
    // operator login's own check answers (chen is no agency's operator in this test).
    auto answer = makeSignature("moica-chen", text(issued, "hipkiToBeSigned"));
    EXPECT_TRUE(refused(flow.cardStep("citizen-card", fields("nationalId", ""),
                            text(issued, "nonce"), tokenFrom(answer)),
        403, "NOT_REGISTERED_CARD"));
}

class HipkiDisabledTest : public HipkiSignerTest {
protected:
    bool enabled() const override { return false; }
};

TEST_P(HipkiDisabledTest, ByDefaultAHipkiTokenIsRefusedAndNoTextIsIssued)
{
    auto config = body(httpRequest("GET", server().url() + "/api/v1/config"));
    EXPECT_FALSE(config->getValue<bool>("hipki"));
    EXPECT_FALSE(config->has("hipkiLocalServer"));
    auto page = httpRequest("GET", server().url() + "/flow.html");
    EXPECT_EQ(page.header("content-security-policy").find("61999"), std::string::npos)
        << "no way to HiPKI where it is not accepted";
    EXPECT_EQ(page.header("cross-origin-opener-policy"), "same-origin");
    auto flow = startFlow("operator-login");
    auto issued = challenge(flow, "citizen");
    EXPECT_FALSE(issued->has("hipkiToBeSigned"));
    auto answer = makeSignature("moica-chen", "certgate-hipki-1~made-up-by-the-page");

    auto response = flow.cardStep(
        "citizen-card", fields("nationalId", ""), text(issued, "nonce"), tokenFrom(answer));

    EXPECT_TRUE(refused(response, 403, "SIGNER_NOT_ALLOWED"));
}

CERTGATE_SERVER_ON_BOTH_BACKENDS(HipkiSignerTest);
CERTGATE_SERVER_ON_BOTH_BACKENDS(HipkiDisabledTest);

} // namespace
} // namespace certgate::test
