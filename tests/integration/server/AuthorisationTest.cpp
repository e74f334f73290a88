// Authorisation (授權指派; issue 6 item 10; SPEC §3.2; manual 第三章 五): the registered
// organisation card and the registered manager's card open the operator list; the manager
// adds operators by typed serial or by the operator's certificate, edits and deletes them,
// and sees nothing of other agencies.
#include "PortalTestSupport.hpp"

#include <algorithm>

namespace certgate::test {
namespace {

class AuthorisationTest : public PortalTest {
protected:
    void SetUp() override
    {
        PortalTest::SetUp();
        registerAgency("A0001", "gca-moi", "moica-wang");
    }

    static Json flowView(const FlowClient& flow) { return object(flow.last(), "flow"); }

    /// The operators of the newest answer, by serial.
    static std::map<std::string, Json> operators(const FlowClient& flow)
    {
        std::map<std::string, Json> out;
        auto list = array(flowView(flow), "operators");
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto op = list->getObject(static_cast<unsigned>(i));
            out[text(op, "serial")] = op;
        }
        return out;
    }

    static std::string idOf(const FlowClient& flow, const std::string& serial)
    {
        auto all = operators(flow);
        auto it = all.find(serial);
        if (it == all.end())
            throw std::runtime_error("no operator with serial " + serial);
        return text(it->second, "id");
    }

    /// "19:c3:ae:61 ..." — how a person might copy a serial from another program.
    static std::string spelledLoosely(const std::string& serial)
    {
        std::string out;
        for (std::size_t i = 0; i < serial.size(); ++i) {
            if (i > 0 && i % 2 == 0)
                out += (i % 8 == 0) ? " " : ":";
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(serial[i]))));
        }
        return out;
    }

    HttpResponse addChen(
        FlowClient& flow, const std::vector<std::string>& functions = { "enrolment", "premiums" })
    {
        const auto& chen = card("moica-chen");
        return flow.addOperator(chen.serial, chen.personName, chen.nationalId, functions);
    }
};

TEST_P(AuthorisationTest, OnlyTheRegisteredOrganisationCardOpensTheAgency)
{
    auto flow = startFlow("authorisation");
    EXPECT_EQ(flow.step(), "organisation") << "authorisation has no terms page";

    EXPECT_TRUE(
        refused(flow.organisationCard("A0001", "gca-moi-renewed"), 403, "NOT_REGISTERED_CARD"))
        << "same identifier, not the registered certificate";
    EXPECT_TRUE(refused(flow.organisationCard("A0001", "gca-mofa"), 403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(refused(flow.organisationCard("A0001", "moica-wang"), 422, "WRONG_CARD_KIND"));
    EXPECT_TRUE(refused(flow.organisationCard("A0002", "gca-mofa"), 409, "NOT_REGISTERED"));
    EXPECT_TRUE(refused(flow.organisationCard("Z9999", "gca-moi"), 404, "AGENCY_UNKNOWN"));
    EXPECT_TRUE(
        refused(flow.organisationCard("a-1", "gca-moi"), 422, "AGENCY_CODE_FORMAT", "agencyCode"));
    EXPECT_EQ(count("FROM audit_events WHERE action = 'flow.organisation-card' AND error_code = "
                    "'NOT_REGISTERED_CARD' AND agency_code = 'A0001'"),
        2);

    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
    EXPECT_EQ(flow.step(), "manager");
}

TEST_P(AuthorisationTest, OnlyTheRegisteredManagerWithTheRightIdReachesTheOperatorList)
{
    auto flow = startFlow("authorisation");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    const auto& wang = card("moica-wang");

    EXPECT_TRUE(refused(
        flow.managerCard(card("moica-lin").nationalId, "moica-lin"), 403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(refused(
        flow.managerCard(wang.nationalId, "moica-wang-renewed"), 403, "NOT_REGISTERED_CARD"))
        << "a renewed manager card goes through replace-manager";
    EXPECT_TRUE(
        refused(flow.managerCard(
                    nationalIdEndingWith('A', '1', wang.idLast4, wang.nationalId), "moica-wang"),
            422, "ID_MISMATCH", "nationalId"))
        << "right card, another ID with the same last four digits";
    EXPECT_TRUE(refused(flow.managerCard(nationalIdEndingWith('A', '1', "1357"), "moica-wang"), 422,
        "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(
        refused(flow.managerCard("A120315780", "moica-wang"), 422, "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(refused(flow.managerCard(wang.nationalId, "gca-moi"), 422, "WRONG_CARD_KIND"));
    EXPECT_TRUE(refused(flow.addOperator(card("moica-chen").serial, "陳志強",
                            card("moica-chen").nationalId, { "enrolment" }),
        409, "FLOW_STEP"));

    ASSERT_TRUE(answered(flow.managerCard(wang.nationalId, "moica-wang")));
    EXPECT_EQ(flow.step(), "operators");
}

TEST_P(AuthorisationTest, TheOperatorListShowsAgencyManagerAndOperatorsWithMaskedIds)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    auto view = flowView(flow);
    EXPECT_EQ(text(view, "agencyCode"), "A0001");
    EXPECT_EQ(text(view, "agencyName"), "內政部");
    EXPECT_EQ(text(view, "managerName"), "王大明");
    EXPECT_EQ(array(view, "operators")->size(), 0u);

    auto added = addChen(flow);

    ASSERT_TRUE(answered(added, 201));
    auto list = operators(flow);
    ASSERT_EQ(list.size(), 1u) << added.body;
    auto op = list.at(card("moica-chen").serial);
    EXPECT_EQ(text(op, "name"), "陳志強");
    EXPECT_EQ(text(op, "nationalId"), "H10****943");
    EXPECT_EQ(strings(op, "functions"), (std::vector<std::string> { "enrolment", "premiums" }));
    // A typed serial is taken as issued by the citizen CA that issued the manager's card.
    EXPECT_FALSE(text(op, "issuer").empty());
    EXPECT_EQ(text(op, "issuer"), text(object(flowView(flow), "manager"), "issuer"));
    EXPECT_EQ(text(flowView(flow), "managerName"), "王大明");
    EXPECT_EQ(added.body.find(card("moica-chen").nationalId), std::string::npos);

    // The list is the same when the manager comes back later.
    auto later = authorise("A0001", "gca-moi", "moica-wang");
    EXPECT_EQ(operators(later).size(), 1u);
}

TEST_P(AuthorisationTest, ATypedSerialIsNormalisedToUpperCaseHexWithoutSeparators)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    const auto& chen = card("moica-chen");
    auto typed = spelledLoosely(chen.serial);
    ASSERT_NE(typed, chen.serial);

    auto added = flow.addOperator(
        "  " + typed + " ", chen.personName, chen.nationalId, { "enrolment", "enrolment" });

    ASSERT_TRUE(answered(added, 201));
    auto list = operators(flow);
    ASSERT_EQ(list.count(chen.serial), 1u) << added.body;
    EXPECT_EQ(strings(list.at(chen.serial), "functions"), std::vector<std::string> { "enrolment" });
    EXPECT_EQ(count("FROM operators WHERE cert_serial = '" + chen.serial + "'"), 1);
    // The operator's card now logs in.
    auto login = startFlow("operator-login");
    EXPECT_TRUE(answered(login.citizenCard("", "moica-chen")));
    // Leading zeros are no part of a serial either: "00" + serial is the same operator.
    EXPECT_TRUE(refused(
        flow.addOperator("00" + chen.serial, chen.personName, chen.nationalId, { "enrolment" }),
        409, "DUPLICATE_OPERATOR", "serial"));
}

TEST_P(AuthorisationTest, AnOperatorAddedByCertificateIsBoundToItsIssuerAndSerial)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    const auto& huang = card("moica-huang");
    const auto& kao = card("moica-g3-kao");

    EXPECT_TRUE(refused(flow.addOperator(card("moica-chen").serial, huang.personName,
                            huang.nationalId, { "benefits" }, certificateBase64("moica-huang")),
        422, "SERIAL_FORMAT", "serial"))
        << "a serial that differs from the certificate read";
    EXPECT_TRUE(refused(flow.addOperator(card("gca-moi").serial, "內政部", huang.nationalId,
                            { "benefits" }, certificateBase64("gca-moi")),
        422, "WRONG_CARD_KIND", "certificate"));
    EXPECT_TRUE(
        refused(flow.addOperator(huang.serial, huang.personName, card("moica-chen").nationalId,
                    { "benefits" }, certificateBase64("moica-huang")),
            422, "ID_MISMATCH", "nationalId"))
        << "the certificate's last four digits differ from the ID typed";
    EXPECT_TRUE(refused(flow.addOperator(huang.serial, huang.personName, huang.nationalId,
                            { "benefits" }, "bm90IGEgY2VydGlmaWNhdGU="),
        400, "CERT_MALFORMED"));
    EXPECT_TRUE(refused(
        flow.addOperator(huang.serial, huang.personName, huang.nationalId, { "benefits" }, "***"),
        400, "CERT_MALFORMED"));
    EXPECT_EQ(operators(authorise("A0001", "gca-moi", "moica-wang")).size(), 0u);

    ASSERT_TRUE(answered(flow.addOperator(huang.serial, huang.personName, huang.nationalId,
                             { "benefits" }, certificateBase64("moica-huang")),
        201));
    // A MOICA G3 card: another issuing CA key under the same issuer name.
    ASSERT_TRUE(answered(flow.addOperator(kao.serial, kao.personName, kao.nationalId,
                             { "coverage" }, certificateBase64("moica-g3-kao")),
        201));
    EXPECT_EQ(count("FROM operators WHERE cert_serial = '" + huang.serial
                  + "' AND cert_issuer_key_id <> ''"),
        1);
    auto g3 = TestPki::get().ca("moica-g3").ski;
    std::transform(g3.begin(), g3.end(), g3.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    EXPECT_EQ(
        sql("SELECT cert_issuer_key_id FROM operators WHERE cert_serial = '" + kao.serial + "'"),
        g3);
    for (const auto* name : { "moica-huang", "moica-g3-kao" }) {
        auto login = startFlow("operator-login");
        EXPECT_TRUE(answered(login.citizenCard("", name))) << name;
    }
}

TEST_P(AuthorisationTest, TheOperatorFormRefusesEachBadFieldByName)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    const auto& chen = card("moica-chen");

    EXPECT_TRUE(
        refused(flow.addOperator("XYZ123", chen.personName, chen.nationalId, { "enrolment" }), 422,
            "SERIAL_FORMAT", "serial"));
    EXPECT_TRUE(refused(flow.addOperator("", chen.personName, chen.nationalId, { "enrolment" }),
        422, "SERIAL_FORMAT", "serial"));
    EXPECT_TRUE(refused(flow.addOperator("0000", chen.personName, chen.nationalId, { "enrolment" }),
        422, "SERIAL_FORMAT", "serial"));
    EXPECT_TRUE(refused(
        flow.addOperator(std::string(41, 'A'), chen.personName, chen.nationalId, { "enrolment" }),
        422, "SERIAL_FORMAT", "serial"));
    EXPECT_TRUE(refused(flow.addOperator(chen.serial, chen.personName, chen.nationalId, {}), 422,
        "NO_FUNCTIONS", "functions"));
    EXPECT_TRUE(refused(flow.addOperator(chen.serial, chen.personName, chen.nationalId,
                            { "enrolment", "launch-missiles" }),
        422, "INVALID_INPUT", "functions"));
    EXPECT_TRUE(
        refused(flow.addOperator(chen.serial, chen.personName, "H108362944", { "enrolment" }), 422,
            "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(refused(flow.addOperator(chen.serial, chen.personName, "", { "enrolment" }), 422,
        "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(refused(flow.addOperator(chen.serial, "", chen.nationalId, { "enrolment" }), 422,
        "INVALID_INPUT", "name"));
    EXPECT_TRUE(refused(
        flow.request("POST", "/operators", R"({"serial":1})"), 422, "INVALID_INPUT", "serial"));
    EXPECT_TRUE(refused(flow.request("POST", "/operators", "not json"), 422, "INVALID_INPUT"));
    EXPECT_EQ(count("FROM operators"), 0);

    ASSERT_TRUE(answered(addChen(flow), 201));
    EXPECT_TRUE(refused(addChen(flow, { "reports" }), 409, "DUPLICATE_OPERATOR", "serial"));
    EXPECT_TRUE(refused(flow.addOperator(spelledLoosely(chen.serial), "另一人",
                            nationalIdEndingWith('B', '2', "1111"), { "reports" }),
        409, "DUPLICATE_OPERATOR", "serial"));
    EXPECT_EQ(count("FROM operators WHERE agency_code = 'A0001'"), 1);
}

TEST_P(AuthorisationTest, TheSameSerialMayBeAnOperatorOfAnotherAgency)
{
    auto a = authorise("A0001", "gca-moi", "moica-wang");
    ASSERT_TRUE(answered(addChen(a), 201));
    registerAgency("B0001", "xca-school", "moica-tsai");
    auto b = authorise("B0001", "xca-school", "moica-tsai");

    EXPECT_TRUE(answered(addChen(b, { "reports" }), 201));
    EXPECT_EQ(count("FROM operators WHERE cert_serial = '" + card("moica-chen").serial + "'"), 2);
    EXPECT_EQ(operators(b).size(), 1u);
    EXPECT_EQ(
        strings(operators(b).begin()->second, "functions"), std::vector<std::string> { "reports" });
}

TEST_P(AuthorisationTest, EveryFieldOfAnOperatorCanBeEditedIncludingTakingOverARenewedSerial)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    ASSERT_TRUE(answered(addChen(flow), 201));
    const auto& huang = card("moica-huang");
    ASSERT_TRUE(answered(
        flow.addOperator(huang.serial, huang.personName, huang.nationalId, { "benefits" }), 201));
    auto id = idOf(flow, card("moica-chen").serial);
    const auto& renewed = card("moica-chen-renewed");
    auto newId = nationalIdEndingWith('H', '1', "2943", card("moica-chen").nationalId);

    auto edited = flow.updateOperator(id, spelledLoosely(renewed.serial), "陳志強(換卡)", newId,
        { "withdrawal", "coverage", "reports" });

    ASSERT_TRUE(answered(edited));
    auto list = operators(flow);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list.count(card("moica-chen").serial), 0u);
    ASSERT_EQ(list.count(renewed.serial), 1u) << edited.body;
    auto op = list.at(renewed.serial);
    EXPECT_EQ(text(op, "id"), id) << "the same operator, edited";
    EXPECT_EQ(text(op, "name"), "陳志強(換卡)");
    EXPECT_EQ(text(op, "nationalId"), newId.substr(0, 3) + "****" + newId.substr(7));
    EXPECT_EQ(strings(op, "functions"),
        (std::vector<std::string> { "coverage", "reports", "withdrawal" }));

    // All fields are required, each checked as when adding.
    EXPECT_TRUE(refused(flow.updateOperator(id, renewed.serial, "", newId, { "enrolment" }), 422,
        "INVALID_INPUT", "name"));
    EXPECT_TRUE(refused(flow.updateOperator(id, "", "陳志強", newId, { "enrolment" }), 422,
        "SERIAL_FORMAT", "serial"));
    EXPECT_TRUE(refused(flow.updateOperator(id, renewed.serial, "陳志強", "", { "enrolment" }), 422,
        "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(refused(flow.updateOperator(id, renewed.serial, "陳志強", newId, {}), 422,
        "NO_FUNCTIONS", "functions"));
    // Another operator's serial is taken.
    EXPECT_TRUE(refused(flow.updateOperator(id, huang.serial, "陳志強", newId, { "enrolment" }),
        409, "DUPLICATE_OPERATOR", "serial"));
    auto unchanged = operators(authorise("A0001", "gca-moi", "moica-wang"));
    ASSERT_EQ(unchanged.count(renewed.serial), 1u) << "refused edits change nothing";
    EXPECT_EQ(text(unchanged.at(renewed.serial), "name"), "陳志強(換卡)");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'operator.update' AND outcome = 'ok' AND "
                    "details LIKE '%"
                  + renewed.serial + "%'"),
        1);
}

TEST_P(AuthorisationTest, ADeletedOperatorIsGoneFromTheListAndCannotBeDeletedTwice)
{
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    ASSERT_TRUE(answered(addChen(flow), 201));
    auto id = idOf(flow, card("moica-chen").serial);

    auto deleted = flow.deleteOperator(id);

    ASSERT_TRUE(answered(deleted));
    EXPECT_EQ(operators(flow).size(), 0u);
    EXPECT_TRUE(refused(flow.deleteOperator(id), 404, "NOT_FOUND"));
    EXPECT_TRUE(refused(flow.updateOperator(id, card("moica-chen").serial, "陳志強",
                            card("moica-chen").nationalId, { "enrolment" }),
        404, "NOT_FOUND"));
    EXPECT_TRUE(refused(flow.deleteOperator(std::string(32, '0')), 404, "NOT_FOUND"));
    // The record is kept (history), marked deleted; the serial can be authorised again.
    EXPECT_EQ(count("FROM operators WHERE id = '" + id + "' AND deleted_at IS NOT NULL"), 1);
    EXPECT_TRUE(answered(addChen(flow), 201));
    EXPECT_EQ(operators(flow).size(), 1u);
}

TEST_P(AuthorisationTest, OperatorsOfAnotherAgencyCannotBeReachedByTheirIds)
{
    registerAgency("B0001", "xca-school", "moica-tsai");
    auto b = authorise("B0001", "xca-school", "moica-tsai");
    ASSERT_TRUE(answered(addChen(b), 201));
    auto theirs = idOf(b, card("moica-chen").serial);
    auto a = authorise("A0001", "gca-moi", "moica-wang");

    EXPECT_TRUE(refused(a.updateOperator(theirs, card("moica-chen").serial, "改名",
                            card("moica-chen").nationalId, { "reports" }),
        404, "NOT_FOUND"));
    EXPECT_TRUE(refused(a.deleteOperator(theirs), 404, "NOT_FOUND"));
    EXPECT_EQ(operators(a).size(), 0u) << "A0001's list does not show B0001's operator";

    auto again = authorise("B0001", "xca-school", "moica-tsai");
    ASSERT_EQ(operators(again).size(), 1u);
    EXPECT_EQ(text(operators(again).begin()->second, "name"), "陳志強");
}

TEST_P(AuthorisationTest, OnlyTheManagersAuthorisationFlowManagesOperators)
{
    const auto& chen = card("moica-chen");
    auto tryAll = [&](FlowClient& flow, const std::string& what) {
        EXPECT_TRUE(refused(
            flow.addOperator(chen.serial, chen.personName, chen.nationalId, { "enrolment" }), 409,
            "FLOW_STEP"))
            << what;
        EXPECT_TRUE(refused(flow.updateOperator(std::string(32, 'a'), chen.serial, chen.personName,
                                chen.nationalId, { "enrolment" }),
            409, "FLOW_STEP"))
            << what;
        EXPECT_TRUE(refused(flow.deleteOperator(std::string(32, 'a')), 409, "FLOW_STEP")) << what;
    };

    auto fresh = startFlow("authorisation");
    tryAll(fresh, "authorisation before any card");
    ASSERT_TRUE(answered(fresh.organisationCard("A0001", "gca-moi")));
    tryAll(fresh, "authorisation after the organisation card only");

    auto registration = startFlow("replace-manager");
    ASSERT_TRUE(answered(registration.acceptTerms()));
    ASSERT_TRUE(answered(registration.organisationCard("A0001", "gca-moi")));
    ASSERT_TRUE(answered(registration.managerCard(card("moica-lin").nationalId, "moica-lin")));
    tryAll(registration, "replace-manager at confirm");

    auto operatorLogin = startFlow("operator-login");
    tryAll(operatorLogin, "operator login");
    auto staffLogin = startFlow("staff-login");
    ASSERT_TRUE(answered(staffLogin.citizenCard("", "moica-lee")));
    tryAll(staffLogin, "staff login (done)");

    EXPECT_EQ(count("FROM operators"), 0);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(AuthorisationTest);

} // namespace
} // namespace certgate::test
