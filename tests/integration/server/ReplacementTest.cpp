// Replacing certificates (更換憑證; issue 6 item 11; SPEC §3.3; manual 第三章 六): replace the
// organisation card (NEW card matching master data + CURRENT manager), the manager card
// (CURRENT organisation card + NEW manager, details re-entered), or both; each writes a
// receipt of its kind, the old cards stop opening the agency and the history keeps them.
#include "PortalTestSupport.hpp"

namespace certgate::test {
namespace {

class ReplacementTest : public PortalTest {
protected:
    void SetUp() override
    {
        PortalTest::SetUp();
        registerAgency("A0001", "gca-moi", "moica-wang");
    }

    /// A replacement flow of A0001 up to the confirm step.
    FlowClient atConfirm(
        const std::string& type, const std::string& orgCard, const std::string& managerCard)
    {
        auto flow = startFlow(type);
        require(flow.acceptTerms(), 200, type + " terms");
        require(flow.organisationCard("A0001", orgCard), 200, type + " organisation card");
        require(flow.managerCard(card(managerCard).nationalId, managerCard), 200,
            type + " manager card");
        if (flow.step() != "confirm")
            throw std::runtime_error(type + " did not reach confirm");
        return flow;
    }

    std::string registeredOrgSerial() const
    {
        return sql("SELECT o.serial FROM registrations r JOIN org_certificates o ON o.id = "
                   "r.org_certificate_id WHERE r.agency_code = 'A0001'");
    }
    std::string registeredManagerSerial() const
    {
        return sql("SELECT m.cert_serial FROM registrations r JOIN managers m ON m.id = "
                   "r.manager_id WHERE r.agency_code = 'A0001'");
    }

    std::vector<std::string> receiptKinds()
    {
        auto response = httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=A0001");
        std::vector<std::string> kinds;
        auto receipts = array(body(response), "receipts");
        for (std::size_t i = 0; i < receipts->size(); ++i)
            kinds.push_back(text(receipts->getObject(static_cast<unsigned>(i)), "kind") + "/"
                + text(receipts->getObject(static_cast<unsigned>(i)), "status"));
        std::sort(kinds.begin(), kinds.end());
        return kinds;
    }

    ::testing::AssertionResult authorises(
        const std::string& orgCard, const std::string& managerCard) const
    {
        auto flow = client();
        flow.start("authorisation");
        auto org = flow.organisationCard("A0001", orgCard);
        if (org.status != 200)
            return ::testing::AssertionFailure()
                << orgCard << ": " << org.status << " " << org.body;
        auto manager = flow.managerCard(card(managerCard).nationalId, managerCard);
        if (manager.status != 200)
            return ::testing::AssertionFailure()
                << managerCard << ": " << manager.status << " " << manager.body;
        return ::testing::AssertionSuccess();
    }
};

TEST_P(ReplacementTest, ReplacingTheOrganisationCardNeedsTheNewCardAndTheCurrentManager)
{
    auto flow = startFlow("replace-organisation");
    EXPECT_EQ(flow.step(), "terms");
    EXPECT_TRUE(
        refused(flow.organisationCard("A0001", "gca-moi-renewed"), 409, "TERMS_NOT_ACCEPTED"));
    ASSERT_TRUE(answered(flow.acceptTerms()));
    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi-renewed")));
    EXPECT_EQ(text(object(object(flow.last(), "flow"), "organisation"), "serial"),
        card("gca-moi-renewed").serial);
    // Not a new manager: the registered one.
    EXPECT_TRUE(refused(
        flow.managerCard(card("moica-lin").nationalId, "moica-lin"), 403, "NOT_REGISTERED_CARD"));
    ASSERT_TRUE(answered(flow.managerCard(card("moica-wang").nationalId, "moica-wang")));
    EXPECT_EQ(flow.step(), "confirm");
    // The manager's details are there to check again (manual 圖3-26).
    auto contact = object(object(flow.last(), "flow"), "contact");
    EXPECT_EQ(text(contact, "name"), "王大明");
    EXPECT_EQ(text(contact, "email"), "wang@moi.gov.tw");

    auto done = flow.confirm("王大明", "wang.new@moi.gov.tw", "02-2356-5000", "9");

    ASSERT_TRUE(answered(done));
    EXPECT_EQ(flow.step(), "done");
    auto receipt = object(object(body(done), "flow"), "receipt");
    EXPECT_EQ(text(receipt, "kind"), "replace-organisation");
    EXPECT_EQ(text(receipt, "status"), "done");
    EXPECT_EQ(registeredOrgSerial(), card("gca-moi-renewed").serial);
    EXPECT_EQ(registeredManagerSerial(), card("moica-wang").serial);
    EXPECT_EQ(sql("SELECT email FROM managers WHERE agency_code = 'A0001'"), "wang.new@moi.gov.tw");
    // History: both certificates, the old one marked replaced.
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 2);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001' AND serial = '"
                  + card("gca-moi").serial + "' AND replaced_at IS NOT NULL"),
        1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001' AND serial = '"
                  + card("gca-moi-renewed").serial + "' AND replaced_at IS NULL"),
        1);
    EXPECT_EQ(receiptKinds(),
        (std::vector<std::string> { "first-registration/done", "replace-organisation/done" }));

    // The old organisation card no longer opens the agency; the new one does.
    auto old = startFlow("authorisation");
    EXPECT_TRUE(refused(old.organisationCard("A0001", "gca-moi"), 403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(authorises("gca-moi-renewed", "moica-wang"));
    auto admin = staffSession();
    auto registration = object(body(admin.get("/agencies/A0001/registration")), "registration");
    EXPECT_EQ(text(object(registration, "organisation"), "serial"), card("gca-moi-renewed").serial);
}

TEST_P(ReplacementTest, ANewOrganisationCardThatDoesNotMatchTheMasterDataGoesToReview)
{
    auto flow = startFlow("replace-organisation");
    ASSERT_TRUE(answered(flow.acceptTerms()));

    auto response = flow.organisationCard("A0001", "gca-mofa");

    EXPECT_TRUE(refused(response, 409, "OID_MISMATCH"));
    EXPECT_EQ(text(body(response), "sectionZh"), "承保第一科") << "臺北市";
    EXPECT_EQ(text(body(response), "extension"), "5312");
    EXPECT_EQ(text(object(body(response), "flow"), "step"), "review");
    auto applied = flow.reviewApplication("王大明", "02-2356-5000");
    ASSERT_TRUE(answered(applied));
    EXPECT_EQ(text(object(object(body(applied), "flow"), "receipt"), "kind"), "review-application");
    auto admin = staffSession();
    auto reviews = array(body(admin.get("/reviews?status=pending")), "reviews");
    ASSERT_EQ(reviews->size(), 1u);
    EXPECT_EQ(text(reviews->getObject(0), "flowType"), "replace-organisation");
    EXPECT_EQ(text(reviews->getObject(0), "agencyCode"), "A0001");
    // The registration is untouched; its registration steps are pending now, while the
    // manager can still look after operators (authorisation is no registration step).
    EXPECT_EQ(registeredOrgSerial(), card("gca-moi").serial);
    auto replaceManager = startFlow("replace-manager");
    ASSERT_TRUE(answered(replaceManager.acceptTerms()));
    EXPECT_TRUE(
        refused(replaceManager.organisationCard("A0001", "gca-moi"), 409, "REVIEW_PENDING"));
    auto authorisation = startFlow("authorisation");
    EXPECT_TRUE(answered(authorisation.organisationCard("A0001", "gca-moi")));
}

TEST_P(ReplacementTest, ReplacingTheManagerNeedsTheCurrentOrganisationCardAndNewDetails)
{
    auto flow = startFlow("replace-manager");
    ASSERT_TRUE(answered(flow.acceptTerms()));
    EXPECT_TRUE(
        refused(flow.organisationCard("A0001", "gca-moi-renewed"), 403, "NOT_REGISTERED_CARD"));
    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
    EXPECT_TRUE(refused(
        flow.managerCard(card("moica-wang").nationalId, "gca-moi"), 422, "WRONG_CARD_KIND"));
    EXPECT_TRUE(refused(flow.managerCard(card("moica-wang").nationalId, "moica-lin"), 422,
        "ID_MISMATCH", "nationalId"));
    ASSERT_TRUE(answered(flow.managerCard(card("moica-lin").nationalId, "moica-lin")));
    // A new person's details are entered afresh, not pre-filled with the old manager's.
    EXPECT_FALSE(object(flow.last(), "flow")->has("contact"));

    auto done = flow.confirm("林小美", "lin@moi.gov.tw", "02-2356-5001", "5001");

    ASSERT_TRUE(answered(done));
    EXPECT_EQ(text(object(object(body(done), "flow"), "receipt"), "kind"), "replace-manager");
    EXPECT_EQ(registeredManagerSerial(), card("moica-lin").serial);
    EXPECT_EQ(registeredOrgSerial(), card("gca-moi").serial);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 2);
    EXPECT_EQ(
        count("FROM managers WHERE agency_code = 'A0001' AND cert_serial = '"
            + card("moica-wang").serial + "' AND replaced_at IS NOT NULL AND name = '王大明'"),
        1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001' AND cert_serial = '"
                  + card("moica-lin").serial
                  + "' AND replaced_at IS NULL AND name = '林小美' AND "
                    "email = 'lin@moi.gov.tw' AND extension = '5001'"),
        1);
    EXPECT_EQ(receiptKinds(),
        (std::vector<std::string> { "first-registration/done", "replace-manager/done" }));

    // The old manager card no longer opens the operator list; the new one does.
    auto old = startFlow("authorisation");
    ASSERT_TRUE(answered(old.organisationCard("A0001", "gca-moi")));
    EXPECT_TRUE(refused(
        old.managerCard(card("moica-wang").nationalId, "moica-wang"), 403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(authorises("gca-moi", "moica-lin"));
    auto admin = staffSession();
    auto registration = object(body(admin.get("/agencies/A0001/registration")), "registration");
    EXPECT_EQ(text(object(registration, "manager"), "name"), "林小美");
    EXPECT_EQ(text(object(registration, "manager"), "nationalId"), "B22****636");
}

TEST_P(ReplacementTest, ReplacingBothNeedsTheNewOrganisationCardAndTheNewManager)
{
    auto flow = startFlow("replace-both");
    ASSERT_TRUE(answered(flow.acceptTerms()));
    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi-renewed")));
    ASSERT_TRUE(answered(flow.managerCard(card("moica-lin").nationalId, "moica-lin")));
    EXPECT_FALSE(object(flow.last(), "flow")->has("contact"));

    auto done = flow.confirm("林小美", "lin@moi.gov.tw", "02-2356-5001");

    ASSERT_TRUE(answered(done));
    EXPECT_EQ(text(object(object(body(done), "flow"), "receipt"), "kind"), "replace-both");
    EXPECT_EQ(registeredOrgSerial(), card("gca-moi-renewed").serial);
    EXPECT_EQ(registeredManagerSerial(), card("moica-lin").serial);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 2);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 2);
    EXPECT_EQ(
        count("FROM org_certificates WHERE agency_code = 'A0001' AND replaced_at IS NULL"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001' AND replaced_at IS NULL"), 1);
    EXPECT_EQ(receiptKinds(),
        (std::vector<std::string> { "first-registration/done", "replace-both/done" }));
    auto old = startFlow("authorisation");
    EXPECT_TRUE(refused(old.organisationCard("A0001", "gca-moi"), 403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(authorises("gca-moi-renewed", "moica-lin"));
    // The same person with a renewed card is a "new manager" too.
    auto renew = startFlow("replace-manager");
    ASSERT_TRUE(answered(renew.acceptTerms()));
    ASSERT_TRUE(answered(renew.organisationCard("A0001", "gca-moi-renewed")));
    ASSERT_TRUE(answered(renew.managerCard(card("moica-wang").nationalId, "moica-wang-renewed")));
    ASSERT_TRUE(answered(renew.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000")));
    EXPECT_TRUE(authorises("gca-moi-renewed", "moica-wang-renewed"));
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 3);
}

TEST_P(ReplacementTest, OperatorsStayAuthorisedAcrossReplacements)
{
    auto manage = authorise("A0001", "gca-moi", "moica-wang");
    const auto& chen = card("moica-chen");
    require(manage.addOperator(chen.serial, chen.personName, chen.nationalId, { "enrolment" }), 201,
        "add operator");
    atConfirm("replace-both", "gca-moi-renewed", "moica-lin")
        .confirm("林小美", "lin@moi.gov.tw", "02-2356-5001");
    ASSERT_EQ(registeredManagerSerial(), card("moica-lin").serial);

    auto login = startFlow("operator-login");
    ASSERT_TRUE(answered(login.citizenCard("", "moica-chen")));
    auto grants = array(object(login.last(), "flow"), "grants");
    ASSERT_EQ(grants->size(), 1u);
    EXPECT_EQ(text(grants->getObject(0), "agencyCode"), "A0001");
    auto list = authorise("A0001", "gca-moi-renewed", "moica-lin");
    EXPECT_EQ(array(object(list.last(), "flow"), "operators")->size(), 1u);
}

TEST_P(ReplacementTest, ReplacementsAreForRegisteredAgenciesOnly)
{
    for (const auto* type : { "replace-organisation", "replace-manager", "replace-both" }) {
        auto flow = startFlow(type);
        ASSERT_TRUE(answered(flow.acceptTerms()));
        EXPECT_TRUE(refused(flow.organisationCard("A0002", "gca-mofa"), 409, "NOT_REGISTERED"))
            << type;
    }
}

TEST_P(ReplacementTest, AReplacementWhoseCurrentCardWasReplacedMeanwhileIsRefusedAtConfirm)
{
    // A replace-organisation flow checked the CURRENT manager (王大明) and offers his details;
    // before it confirms, another flow replaces the manager.
    auto stale = atConfirm("replace-organisation", "gca-moi-renewed", "moica-wang");
    ASSERT_TRUE(answered(atConfirm("replace-manager", "gca-moi", "moica-lin")
                             .confirm("林小美", "lin@moi.gov.tw", "02-2356-5001")));

    auto response = stale.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000");

    EXPECT_TRUE(refused(response, 403, "NOT_REGISTERED_CARD")) << "the manager it checked is gone";
    EXPECT_EQ(registeredOrgSerial(), card("gca-moi").serial);
    EXPECT_EQ(sql("SELECT name FROM managers WHERE agency_code = 'A0001' AND replaced_at IS NULL"),
        "林小美")
        << "the new manager's details were not overwritten with the old manager's";
    EXPECT_EQ(sql("SELECT email FROM managers WHERE agency_code = 'A0001' AND replaced_at IS NULL"),
        "lin@moi.gov.tw");
}

TEST_P(ReplacementTest, AManagerReplacementWhoseOrganisationCardWasReplacedMeanwhileIsRefused)
{
    auto stale = atConfirm("replace-manager", "gca-moi", "moica-lin");
    ASSERT_TRUE(answered(atConfirm("replace-organisation", "gca-moi-renewed", "moica-wang")
                             .confirm("王大明", "wang@moi.gov.tw", "02-2356-5000")));

    auto response = stale.confirm("林小美", "lin@moi.gov.tw", "02-2356-5001");

    EXPECT_TRUE(refused(response, 403, "NOT_REGISTERED_CARD"));
    EXPECT_EQ(registeredManagerSerial(), card("moica-wang").serial);
}

TEST_P(ReplacementTest, TheOldManagersOpenOperatorListClosesWhenTheManagerIsReplaced)
{
    auto oldManager = authorise("A0001", "gca-moi", "moica-wang");
    const auto& chen = card("moica-chen");
    require(oldManager.addOperator(chen.serial, chen.personName, chen.nationalId, { "enrolment" }),
        201, "add operator");
    auto id = text(array(object(oldManager.last(), "flow"), "operators")->getObject(0), "id");
    ASSERT_TRUE(answered(atConfirm("replace-manager", "gca-moi", "moica-lin")
                             .confirm("林小美", "lin@moi.gov.tw", "02-2356-5001")));

    const auto& huang = card("moica-huang");
    EXPECT_TRUE(refused(
        oldManager.addOperator(huang.serial, huang.personName, huang.nationalId, { "enrolment" }),
        403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(refused(
        oldManager.updateOperator(id, chen.serial, chen.personName, chen.nationalId, { "reports" }),
        403, "NOT_REGISTERED_CARD"));
    EXPECT_TRUE(refused(oldManager.deleteOperator(id), 403, "NOT_REGISTERED_CARD"));
    // Nor may the old manager go on reading the list (names, masked IDs) of the open flow.
    auto reread = oldManager.get();
    EXPECT_TRUE(refused(reread, 403, "NOT_REGISTERED_CARD"));
    EXPECT_EQ(reread.body.find(chen.personName), std::string::npos);
    EXPECT_EQ(count("FROM operators WHERE agency_code = 'A0001' AND deleted_at IS NULL"), 1);
    EXPECT_EQ(sql("SELECT functions FROM operators WHERE id = '" + id + "'"), R"(["enrolment"])");
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ReplacementTest);

} // namespace
} // namespace certgate::test
