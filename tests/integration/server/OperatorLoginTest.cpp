// Operator login (to 要保機關作業; issue 6 item 12; SPEC §3.5; manual 第三章 五 ※): a citizen
// card alone gives the agencies that authorised its serial and the functions granted there;
// a renewed card is refused with the operator-login message until the manager edits the
// serial; a deleted operator is refused at once.
#include "PortalTestSupport.hpp"

#include <certgate/test/CardSigner.hpp>

namespace certgate::test {
namespace {

class OperatorLoginTest : public PortalTest {
protected:
    void SetUp() override
    {
        PortalTest::SetUp();
        registerAgency("A0001", "gca-moi", "moica-wang");
        registerAgency("B0001", "xca-school", "moica-tsai");
        a_ = authorise("A0001", "gca-moi", "moica-wang");
        b_ = authorise("B0001", "xca-school", "moica-tsai");
        const auto& chen = card("moica-chen");
        require(a_.addOperator(
                    chen.serial, chen.personName, chen.nationalId, { "enrolment", "premiums" }),
            201, "chen at A0001");
        require(b_.addOperator(chen.serial, chen.personName, chen.nationalId, { "reports" }), 201,
            "chen at B0001");
    }

    /// agency code → functions granted, for a login with `cardName`.
    std::map<std::string, std::vector<std::string>> grants(const HttpResponse& response)
    {
        std::map<std::string, std::vector<std::string>> out;
        auto list = array(object(body(response), "flow"), "grants");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto g = list->getObject(static_cast<unsigned>(i));
            out[text(g, "agencyCode")] = strings(g, "functions");
        }
        return out;
    }

    HttpResponse login(const std::string& cardName)
    {
        auto flow = startFlow("operator-login");
        return flow.citizenCard("", cardName);
    }

    static std::string idOf(const FlowClient& flow, const std::string& serial)
    {
        auto list = array(object(flow.last(), "flow"), "operators");
        for (std::size_t i = 0; i < list->size(); ++i)
            if (text(list->getObject(static_cast<unsigned>(i)), "serial") == serial)
                return text(list->getObject(static_cast<unsigned>(i)), "id");
        throw std::runtime_error("no operator " + serial);
    }

    FlowClient a_ { "", "" };
    FlowClient b_ { "", "" };
};

TEST_P(OperatorLoginTest, AnOperatorSeesEveryAgencyThatAuthorisedTheCardWithItsFunctions)
{
    auto flow = startFlow("operator-login");
    EXPECT_EQ(flow.step(), "citizen") << "a citizen card only, no organisation card";

    auto response = flow.citizenCard("", "moica-chen");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(flow.step(), "done");
    auto granted = grants(response);
    EXPECT_EQ(granted,
        (std::map<std::string, std::vector<std::string>> {
            { "A0001", { "enrolment", "premiums" } }, { "B0001", { "reports" } } }));
    auto list = array(object(body(response), "flow"), "grants");
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i)
        names.insert(text(list->getObject(static_cast<unsigned>(i)), "agencyName"));
    EXPECT_EQ(names, (std::set<std::string> { "內政部", "臺北市立建國高級中學" }));
    EXPECT_EQ(text(object(object(body(response), "flow"), "citizen"), "serial"),
        card("moica-chen").serial);
    EXPECT_EQ(response.body.find(card("moica-chen").nationalId), std::string::npos);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'operator.login' AND outcome = 'ok' AND "
                    "subject = '"
                  + card("moica-chen").serial + "'"),
        1);
}

TEST_P(OperatorLoginTest, ARenewedCardIsRefusedWithTheOperatorMessageUntilTheManagerEditsTheSerial)
{
    auto refusedLogin = login("moica-chen-renewed");

    ASSERT_TRUE(refused(refusedLogin, 403, "NOT_REGISTERED_CARD"));
    EXPECT_EQ(text(body(refusedLogin), "operatorLogin"), "true");
    EXPECT_NE(text(body(refusedLogin), "messageEn").find("ask your manager to update the serial"),
        std::string::npos)
        << refusedLogin.body;
    EXPECT_NE(
        text(body(refusedLogin), "message").find("授權管理者更新憑證序號"), std::string::npos);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'flow.citizen-card' AND outcome = "
                    "'refused' AND error_code = 'NOT_REGISTERED_CARD'"),
        1);

    // The manager of A0001 takes the renewed card over (manual 第三章 五 ※ 1.).
    const auto& chen = card("moica-chen");
    const auto& renewed = card("moica-chen-renewed");
    ASSERT_TRUE(answered(a_.updateOperator(idOf(a_, chen.serial), renewed.serial, chen.personName,
        chen.nationalId, { "enrolment", "premiums" })));

    auto renewedLogin = login("moica-chen-renewed");
    ASSERT_TRUE(answered(renewedLogin));
    EXPECT_EQ(grants(renewedLogin),
        (std::map<std::string, std::vector<std::string>> {
            { "A0001", { "enrolment", "premiums" } } }))
        << "B0001 still has the old serial";
    auto oldLogin = login("moica-chen");
    ASSERT_TRUE(answered(oldLogin));
    EXPECT_EQ(grants(oldLogin),
        (std::map<std::string, std::vector<std::string>> { { "B0001", { "reports" } } }));
}

TEST_P(OperatorLoginTest, ADeletedOperatorIsRefusedAtOnce)
{
    ASSERT_TRUE(answered(login("moica-chen")));
    ASSERT_TRUE(answered(a_.deleteOperator(idOf(a_, card("moica-chen").serial))));

    auto afterOne = login("moica-chen");
    ASSERT_TRUE(answered(afterOne));
    EXPECT_EQ(grants(afterOne),
        (std::map<std::string, std::vector<std::string>> { { "B0001", { "reports" } } }));

    ASSERT_TRUE(answered(b_.deleteOperator(idOf(b_, card("moica-chen").serial))));
    auto afterBoth = login("moica-chen");
    EXPECT_TRUE(refused(afterBoth, 403, "NOT_REGISTERED_CARD"));
    EXPECT_EQ(text(body(afterBoth), "operatorLogin"), "true");
}

TEST_P(OperatorLoginTest, AFunctionChangeTakesEffectAtTheNextLogin)
{
    const auto& chen = card("moica-chen");
    ASSERT_TRUE(answered(a_.updateOperator(
        idOf(a_, chen.serial), chen.serial, chen.personName, chen.nationalId, { "benefits" })));

    EXPECT_EQ(grants(login("moica-chen")).at("A0001"), std::vector<std::string> { "benefits" });
}

TEST_P(OperatorLoginTest, OnlyAValidCitizenCardOfAnOperatorLogsIn)
{
    EXPECT_TRUE(refused(login("moica-wang"), 403, "NOT_REGISTERED_CARD"))
        << "a manager is not an operator";
    EXPECT_TRUE(refused(login("gca-moi"), 422, "WRONG_CARD_KIND"));
    EXPECT_TRUE(refused(login("moica-revoked"), 403, "CERT_REVOKED"));
    EXPECT_TRUE(refused(login("moica-testca"), 403, card("moica-testca").expect));

    // The operator's certificate (it is no secret) without the operator's key.
    auto flow = startFlow("operator-login");
    auto nonce = flow.challenge("citizen");
    Json fields = new Poco::JSON::Object;
    auto forged
        = signTokenWithKeyOf(card("moica-chen"), card("moica-huang"), server_->origin(), nonce);
    EXPECT_TRUE(
        refused(flow.cardStep("citizen-card", fields, nonce, forged), 403, "SIGNATURE_INVALID"));
}

CERTGATE_SERVER_ON_ALL_BACKENDS(OperatorLoginTest);

} // namespace
} // namespace certgate::test
