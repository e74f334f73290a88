// The card queries of the manual's §七 (CardQueries.cpp): an organisation card's identifier
// (OID or unified business number) for a known agency, registered or not, and a citizen card's
// serial for its holder, who types the national ID whose last four digits the card carries.
// Each answers what the card says, keeps the card kinds apart and is audited; neither writes
// a registration or a receipt.
#include "PortalTestSupport.hpp"

namespace certgate::test {
namespace {

class CardQueriesTest : public PortalTest { };

TEST_P(CardQueriesTest, AnOrganisationCardAnswersItsOidForAnAgencyNotYetRegistered)
{
    auto flow = startFlow("query-oid");
    EXPECT_EQ(flow.step(), "organisation") << "no terms: a query registers nothing";

    auto response = flow.organisationCard("A0001", "gca-moi");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(flow.step(), "done");
    auto organisation = object(object(body(response), "flow"), "organisation");
    EXPECT_EQ(text(organisation, "identifier"), card("gca-moi").identifier);
    EXPECT_EQ(text(organisation, "identifierType"), card("gca-moi").identifierType);
    EXPECT_EQ(text(organisation, "serial"), card("gca-moi").serial);
    EXPECT_EQ(count("FROM registrations"), 0);
    EXPECT_EQ(count("FROM receipts"), 0);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'query.organisation-oid' AND outcome = 'ok' "
                    "AND agency_code = 'A0001' AND subject = '"
                  + card("gca-moi").serial + "'"),
        1);
}

TEST_P(CardQueriesTest, AUnifiedBusinessNumberIsAnsweredForACompanyCard)
{
    auto flow = startFlow("query-oid");
    auto response = flow.organisationCard("C0001", "moeaca-company");

    ASSERT_TRUE(answered(response));
    auto organisation = object(object(body(response), "flow"), "organisation");
    EXPECT_EQ(text(organisation, "identifier"), card("moeaca-company").identifier);
    EXPECT_EQ(text(organisation, "identifierType"), "ubn");
}

TEST_P(CardQueriesTest, TheOidQueryAnswersForARegisteredAgencyToo)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto flow = startFlow("query-oid");

    auto response = flow.organisationCard("A0001", "gca-moi");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(text(object(object(body(response), "flow"), "organisation"), "identifier"),
        card("gca-moi").identifier);
}

TEST_P(CardQueriesTest, TheOidQueryNeedsAKnownAgencyAndAnOrganisationCard)
{
    auto unknown = startFlow("query-oid");
    EXPECT_TRUE(refused(unknown.organisationCard("Z9999", "gca-moi"), 404, "AGENCY_UNKNOWN"));
    ASSERT_EQ(unknown.get().status, 200);
    EXPECT_EQ(unknown.step(), "organisation") << "the flow stays at its step";

    auto citizen = startFlow("query-oid");
    EXPECT_TRUE(refused(citizen.organisationCard("A0001", "moica-wang"), 422, "WRONG_CARD_KIND"));
    EXPECT_EQ(
        count("FROM audit_events WHERE action = 'query.organisation-oid' AND outcome = 'ok'"), 0);
}

TEST_P(CardQueriesTest, ACitizenCardAnswersItsSerialToItsHolder)
{
    const auto& wang = card("moica-wang");
    auto flow = startFlow("query-serial");
    EXPECT_EQ(flow.step(), "citizen");

    auto response = flow.citizenCard(wang.nationalId, "moica-wang");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(flow.step(), "done");
    auto citizen = object(object(body(response), "flow"), "citizen");
    EXPECT_EQ(text(citizen, "serial"), wang.serial);
    EXPECT_EQ(text(citizen, "name"), wang.personName);
    EXPECT_EQ(text(citizen, "idLast4"), wang.idLast4);
    EXPECT_EQ(response.body.find(wang.nationalId), std::string::npos)
        << "the typed national ID is never answered";
    EXPECT_EQ(count("FROM audit_events WHERE action = 'query.citizen-serial' AND outcome = 'ok' "
                    "AND subject = '"
                  + wang.serial + "'"),
        1);
    EXPECT_EQ(count("FROM audit_events WHERE details LIKE '%" + wang.nationalId + "%'"), 0);
}

TEST_P(CardQueriesTest, TheSerialQueryChecksTheTypedIdAgainstTheCardAndTheCardKind)
{
    const auto& wang = card("moica-wang");
    auto other = startFlow("query-serial");
    const auto wrongId = nationalIdEndingWith('A', '1', "0000", wang.nationalId);
    EXPECT_TRUE(refused(other.citizenCard(wrongId, "moica-wang"), 422, "ID_MISMATCH"));
    ASSERT_EQ(other.get().status, 200);
    EXPECT_EQ(other.step(), "citizen") << "the flow stays at its step";

    auto organisation = startFlow("query-serial");
    EXPECT_TRUE(
        refused(organisation.citizenCard(wang.nationalId, "gca-moi"), 422, "WRONG_CARD_KIND"));
    EXPECT_EQ(
        count("FROM audit_events WHERE action = 'query.citizen-serial' AND outcome = 'ok'"), 0);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(CardQueriesTest);

} // namespace
} // namespace certgate::test
