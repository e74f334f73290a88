// First registration over real HTTP (issue 5 items 1, 2 and 5; SPEC §3.1, §3.4, §5): every
// step's answer, every refusal with its HTTP status, code and field (the receipts query it
// ends with: ReceiptQueryTest).
#include "PortalTestSupport.hpp"

#include <certgate/test/CardSigner.hpp>

#include <regex>

namespace certgate::test {
namespace {

class FirstRegistrationTest : public PortalTest {
protected:
    /// A first-registration flow at the organisation step.
    FlowClient atOrganisationStep()
    {
        auto flow = startFlow("first-registration");
        require(flow.acceptTerms(), 200, "terms");
        return flow;
    }

    /// A first-registration flow of A0001 at the manager step.
    FlowClient atManagerStep()
    {
        auto flow = atOrganisationStep();
        require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
        return flow;
    }

    static HttpResponse organisationStep(FlowClient& flow, const std::string& agency,
        const std::string& nonce, const std::string& token)
    {
        Json fields = new Poco::JSON::Object;
        fields->set("agencyCode", agency);
        return flow.cardStep("organisation-card", fields, nonce, token);
    }

    static HttpResponse managerStep(FlowClient& flow, const std::string& nationalId,
        const std::string& nonce, const std::string& token)
    {
        Json fields = new Poco::JSON::Object;
        fields->set("nationalId", nationalId);
        return flow.cardStep("manager-card", fields, nonce, token);
    }

    /// A token's JSON with one member replaced.
    static std::string withMember(
        const std::string& token, const std::string& key, const std::string& value)
    {
        auto json = parseJsonObject(token);
        json->set(key, value);
        return stringify(json);
    }

    std::string sign(const std::string& cardName, const std::string& nonce) const
    {
        return signToken(card(cardName), server_->origin(), nonce);
    }
};

TEST_P(FirstRegistrationTest, EachStepSucceedsAndTheRegistrationEndsWithADoneReceipt)
{
    auto flow = startFlow("first-registration");
    EXPECT_EQ(flow.step(), "terms");
    EXPECT_EQ(text(object(flow.last(), "flow"), "type"), "first-registration");

    auto terms = flow.acceptTerms();
    ASSERT_TRUE(answered(terms));
    EXPECT_EQ(flow.step(), "organisation");
    EXPECT_EQ(text(object(body(terms), "flow"), "termsAccepted"), "true");

    const auto& org = card("gca-moi");
    auto organisation = flow.organisationCard("A0001", "gca-moi");
    ASSERT_TRUE(answered(organisation));
    EXPECT_EQ(flow.step(), "manager");
    auto view = object(body(organisation), "flow");
    EXPECT_EQ(text(view, "agencyCode"), "A0001");
    EXPECT_EQ(text(view, "agencyName"), "內政部");
    auto orgCard = object(view, "organisation");
    EXPECT_EQ(text(orgCard, "ca"), "gca");
    EXPECT_EQ(text(orgCard, "kind"), "organisation");
    EXPECT_EQ(text(orgCard, "identifier"), org.identifier);
    EXPECT_EQ(text(orgCard, "identifierType"), "agency-oid");
    EXPECT_EQ(text(orgCard, "organisationName"), org.organisationName);
    EXPECT_EQ(text(orgCard, "serial"), org.serial);
    EXPECT_NE(text(orgCard, "issuer").find("政府憑證管理中心"), std::string::npos);
    EXPECT_FALSE(text(orgCard, "subject").empty());
    EXPECT_FALSE(text(orgCard, "notBefore").empty());
    EXPECT_FALSE(text(orgCard, "notAfter").empty());

    const auto& wang = card("moica-wang");
    auto manager = flow.managerCard(wang.nationalId, "moica-wang");
    ASSERT_TRUE(answered(manager));
    EXPECT_EQ(flow.step(), "confirm");
    auto managerCard = object(object(body(manager), "flow"), "manager");
    EXPECT_EQ(text(managerCard, "ca"), "moica");
    EXPECT_EQ(text(managerCard, "kind"), "citizen");
    EXPECT_EQ(text(managerCard, "name"), wang.personName);
    EXPECT_EQ(text(managerCard, "serial"), wang.serial);
    EXPECT_EQ(text(managerCard, "idLast4"), wang.idLast4);
    EXPECT_EQ(manager.body.find(wang.nationalId), std::string::npos)
        << "the page never gets the national ID back";

    auto before = unixNow();
    auto confirmed = flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000", "1234");
    auto after = unixNow();
    ASSERT_TRUE(answered(confirmed));
    EXPECT_EQ(flow.step(), "done");
    auto receipt = object(object(body(confirmed), "flow"), "receipt");
    auto number = text(receipt, "number");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(number, match, std::regex("^R([0-9]{8})([0-9]{5})$"))) << number;
    auto compact = [](std::string date) {
        date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
        return date;
    };
    EXPECT_TRUE(match[1] == compact(taipeiDate(before)) || match[1] == compact(taipeiDate(after)))
        << number << " is not dated today in Taipei";
    EXPECT_EQ(match[2], "00001");
    EXPECT_EQ(text(receipt, "kind"), "first-registration");
    EXPECT_EQ(text(receipt, "status"), "done");

    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001' AND name = '王大明' AND email = "
                    "'wang@moi.gov.tw' AND phone = '02-2356-5000' AND extension = '1234'"),
        1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001' AND serial = '" + org.serial
                  + "'"),
        1);
}

TEST_P(FirstRegistrationTest, AMalformedOrUnknownAgencyCodeIsRefusedNamingTheField)
{
    auto flow = atOrganisationStep();

    EXPECT_TRUE(refused(
        flow.organisationCard("A00001", "gca-moi"), 422, "AGENCY_CODE_FORMAT", "agencyCode"));
    EXPECT_TRUE(refused(
        flow.organisationCard("A-001", "gca-moi"), 422, "AGENCY_CODE_FORMAT", "agencyCode"));
    EXPECT_TRUE(
        refused(flow.organisationCard("", "gca-moi"), 422, "AGENCY_CODE_FORMAT", "agencyCode"));
    EXPECT_TRUE(
        refused(flow.organisationCard("Z9999", "gca-moi"), 404, "AGENCY_UNKNOWN", "agencyCode"));
    // Lower case and surrounding blanks are the same code.
    EXPECT_TRUE(answered(flow.organisationCard(" a0001 ", "gca-moi")));
    EXPECT_EQ(text(object(flow.last(), "flow"), "agencyCode"), "A0001");
}

TEST_P(FirstRegistrationTest, ASecondFirstRegistrationOfAnAgencyIsRefusedAsAlreadyRegistered)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto flow = atOrganisationStep();

    auto response = flow.organisationCard("A0001", "gca-moi-renewed");

    EXPECT_TRUE(refused(response, 409, "ALREADY_REGISTERED"));
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 1);
}

TEST_P(FirstRegistrationTest, TheTermsMustBeAcceptedBeforeTheOrganisationCard)
{
    auto flow = startFlow("first-registration");

    EXPECT_TRUE(refused(flow.organisationCard("A0001", "gca-moi"), 409, "TERMS_NOT_ACCEPTED"));
    EXPECT_TRUE(refused(
        flow.request("POST", "/terms", R"({"accepted":false})"), 409, "TERMS_NOT_ACCEPTED"));
    EXPECT_TRUE(refused(flow.request("POST", "/terms", "{}"), 409, "TERMS_NOT_ACCEPTED"));
    EXPECT_TRUE(refused(
        flow.request("POST", "/terms", R"({"accepted":"true"})"), 409, "TERMS_NOT_ACCEPTED"));
    ASSERT_TRUE(answered(flow.get()));
    EXPECT_EQ(flow.step(), "terms");

    EXPECT_TRUE(answered(flow.acceptTerms()));
    EXPECT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
}

TEST_P(FirstRegistrationTest, StepsOutOfOrderAreRefusedAndLeaveTheFlowWhereItWas)
{
    auto flow = atOrganisationStep();
    const auto& wang = card("moica-wang");

    EXPECT_TRUE(refused(flow.managerCard(wang.nationalId, "moica-wang"), 409, "FLOW_STEP"));
    EXPECT_TRUE(
        refused(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 409, "FLOW_STEP"));
    EXPECT_TRUE(refused(flow.acceptTerms(), 409, "FLOW_STEP"));
    EXPECT_TRUE(refused(flow.reviewApplication("王大明", "02-2356-5000"), 409, "FLOW_STEP"));
    EXPECT_TRUE(refused(flow.citizenCard(wang.nationalId, "moica-wang"), 409, "FLOW_STEP"));
    EXPECT_TRUE(refused(flow.addOperator(card("moica-chen").serial, "陳志強",
                            card("moica-chen").nationalId, { "enrolment" }),
        409, "FLOW_STEP"));
    ASSERT_TRUE(answered(flow.get()));
    EXPECT_EQ(flow.step(), "organisation");

    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
    EXPECT_TRUE(refused(flow.organisationCard("A0001", "gca-moi"), 409, "FLOW_STEP"));
    EXPECT_TRUE(
        refused(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 409, "FLOW_STEP"));
    ASSERT_TRUE(answered(flow.managerCard(wang.nationalId, "moica-wang")));
    ASSERT_TRUE(answered(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000")));

    // A finished flow confirms nothing twice.
    EXPECT_TRUE(
        refused(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 409, "FLOW_STEP"));
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 1);
}

TEST_P(FirstRegistrationTest, TheConfirmFormNamesTheFieldItRefuses)
{
    auto flow = atManagerStep();
    require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager");

    EXPECT_TRUE(
        refused(flow.confirm("", "wang@moi.gov.tw", "02-2356-5000"), 422, "INVALID_INPUT", "name"));
    EXPECT_TRUE(refused(
        flow.confirm("王大明", "not-an-address", "02-2356-5000"), 422, "INVALID_INPUT", "email"));
    EXPECT_TRUE(
        refused(flow.confirm("王大明", "wang@moi.gov.tw", ""), 422, "INVALID_INPUT", "phone"));
    EXPECT_TRUE(refused(
        flow.confirm("王大明", "wang@moi.gov.tw", "call me"), 422, "INVALID_INPUT", "phone"));
    EXPECT_TRUE(refused(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000", "12a"), 422,
        "INVALID_INPUT", "extension"));
    // A right-to-left override or a zero-width space would make the name read otherwise than
    // it is stored (issue 17 item 5).
    EXPECT_TRUE(refused(flow.confirm("王\u202E明大", "wang@moi.gov.tw", "02-2356-5000"), 422,
        "INVALID_INPUT", "name"));
    EXPECT_TRUE(refused(flow.confirm("王\u200B大明", "wang@moi.gov.tw", "02-2356-5000"), 422,
        "INVALID_INPUT", "name"));
    EXPECT_EQ(count("FROM registrations"), 0);
    EXPECT_TRUE(answered(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000")));
}

TEST_P(FirstRegistrationTest, ACardOfTheWrongKindIsRefusedAtEitherCardStep)
{
    auto flow = atOrganisationStep();

    EXPECT_TRUE(refused(flow.organisationCard("A0001", "moica-wang"), 422, "WRONG_CARD_KIND"));
    const auto& server = card("gca-server");
    ASSERT_FALSE(server.expect.empty());
    EXPECT_TRUE(refused(flow.organisationCard("A0001", "gca-server"),
        server.expect == "WRONG_CARD_KIND" ? 422 : 403, server.expect));

    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
    EXPECT_TRUE(refused(
        flow.managerCard(card("moica-wang").nationalId, "gca-moi"), 422, "WRONG_CARD_KIND"));
    EXPECT_TRUE(refused(
        flow.managerCard(card("moica-wang").nationalId, "gca-server"), 422, "WRONG_CARD_KIND"));
    ASSERT_TRUE(answered(flow.get()));
    EXPECT_EQ(flow.step(), "manager");
}

TEST_P(FirstRegistrationTest, ANationalIdThatFailsItsChecksumOrDiffersFromTheCardIsRefused)
{
    auto flow = atManagerStep();
    const auto& wang = card("moica-wang");
    ASSERT_TRUE(nationalIdChecksumOk(wang.nationalId));
    auto badChecksum = wang.nationalId.substr(0, 9) + (wang.nationalId[9] == '9' ? "0" : "9");
    ASSERT_FALSE(nationalIdChecksumOk(badChecksum));
    auto otherPerson = nationalIdEndingWith('A', '1', "2468");

    EXPECT_TRUE(
        refused(flow.managerCard(badChecksum, "moica-wang"), 422, "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(
        refused(flow.managerCard("A12031578", "moica-wang"), 422, "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(refused(flow.managerCard("", "moica-wang"), 422, "ID_MISMATCH", "nationalId"));
    EXPECT_TRUE(
        refused(flow.managerCard(otherPerson, "moica-wang"), 422, "ID_MISMATCH", "nationalId"));
    auto lowerCase = wang.nationalId;
    lowerCase[0] = static_cast<char>(std::tolower(lowerCase[0]));
    EXPECT_TRUE(answered(flow.managerCard(lowerCase, "moica-wang")));
    EXPECT_EQ(flow.step(), "confirm");
}

TEST_P(FirstRegistrationTest, EveryBadCardIsRefusedWithItsOwnCode)
{
    auto flow = atManagerStep();
    for (const auto* name : { "moica-expired", "moica-notyet", "moica-revoked", "moica-nodigsig",
             "moica-testca", "moica-rsa1024" }) {
        const auto& bad = card(name);
        ASSERT_FALSE(bad.expect.empty()) << name;
        ASSERT_TRUE(bad.expect.rfind("CERT_", 0) == 0) << name << " " << bad.expect;
        EXPECT_TRUE(refused(flow.managerCard(bad.nationalId, name), 403, bad.expect)) << name;
    }
    ASSERT_TRUE(answered(flow.get()));
    EXPECT_EQ(flow.step(), "manager");
    EXPECT_EQ(count("FROM registrations"), 0);
}

TEST_P(FirstRegistrationTest, AMalformedTokenIsRefusedBeforeItsNonceIsUsed)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");
    auto good = sign("gca-moi", nonce);
    auto raw = [&](const std::string& tokenValue) {
        return flow.request("POST", "/organisation-card",
            R"({"agencyCode":"A0001","nonce":")" + nonce + R"(","token":)" + tokenValue + "}");
    };

    EXPECT_TRUE(refused(raw(R"("garbage")"), 400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(raw("42"), 400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(raw("[]"), 400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(flow.request("POST", "/organisation-card",
                            R"({"agencyCode":"A0001","nonce":")" + nonce + R"("})"),
        400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", nonce, withMember(good, "algorithm", "HS256")), 400,
            "MALFORMED_TOKEN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", nonce, withMember(good, "algorithm", "none")), 400,
            "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(
        organisationStep(flow, "A0001", nonce, withMember(good, "format", "certgate-auth:2")), 400,
        "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(
        organisationStep(flow, "A0001", nonce, withMember(good, "signature", "not base64!")), 400,
        "MALFORMED_TOKEN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", nonce, withMember(good, "certificate", "%%%%")),
            400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce, withMember(good, "extra", "member")),
        400, "MALFORMED_TOKEN"));
    // A token too large to be a card's.
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce,
                            withMember(good, "certificate", std::string(40000, 'A'))),
        400, "MALFORMED_TOKEN"));

    // None of that used the nonce up (SPEC §5 checks the token's form first).
    EXPECT_TRUE(answered(organisationStep(flow, "A0001", nonce, good)));
    EXPECT_EQ(flow.step(), "manager");
}

TEST_P(FirstRegistrationTest, ANonceNotIssuedForThisFlowAndStepIsUnknown)
{
    auto flow = atOrganisationStep();
    auto other = atOrganisationStep();
    auto othersNonce = other.challenge("organisation");
    auto managerNonce = flow.challenge("manager");
    auto citizenNonce = flow.challenge("citizen");
    const std::string madeUp = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    EXPECT_TRUE(refused(
        organisationStep(flow, "A0001", madeUp, sign("gca-moi", madeUp)), 400, "NONCE_UNKNOWN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", "", sign("gca-moi", "")), 400, "NONCE_UNKNOWN"));
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", othersNonce, sign("gca-moi", othersNonce)),
        400, "NONCE_UNKNOWN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", managerNonce, sign("gca-moi", managerNonce)), 400,
            "NONCE_UNKNOWN"));
    EXPECT_TRUE(
        refused(organisationStep(flow, "A0001", citizenNonce, sign("gca-moi", citizenNonce)), 400,
            "NONCE_UNKNOWN"));

    // The other flow's nonce was not used up by the attempt through this flow.
    EXPECT_TRUE(
        answered(organisationStep(other, "A0001", othersNonce, sign("gca-moi", othersNonce))));
    EXPECT_TRUE(refused(flow.request("POST", "/challenge", R"({"purpose":"payment"})"), 422,
        "INVALID_INPUT", "purpose"));
}

TEST_P(FirstRegistrationTest, ANonceIsGoodForOneAttemptWhateverItsOutcome)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");
    // The first attempt uses the nonce up although it fails after the nonce check.
    ASSERT_TRUE(refused(
        organisationStep(flow, "A0001", nonce, sign("moica-wang", nonce)), 422, "WRONG_CARD_KIND"));

    EXPECT_TRUE(refused(
        organisationStep(flow, "A0001", nonce, sign("gca-moi", nonce)), 400, "NONCE_REPLAYED"));

    auto second = flow.challenge("organisation");
    ASSERT_TRUE(answered(organisationStep(flow, "A0001", second, sign("gca-moi", second))));
    auto manager = flow.challenge("manager");
    ASSERT_TRUE(answered(
        managerStep(flow, card("moica-wang").nationalId, manager, sign("moica-wang", manager))));
    EXPECT_TRUE(refused(
        managerStep(flow, card("moica-wang").nationalId, manager, sign("moica-wang", manager)), 409,
        "FLOW_STEP"));
}

TEST_P(FirstRegistrationTest, ANonceOlderThanItsLifetimeIsExpired)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");
    auto token = sign("gca-moi", nonce);

    setClockOffset(5 * 60 + 5);

    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce, token), 400, "NONCE_EXPIRED"));
    // A nonce issued now is good.
    EXPECT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
}

TEST_P(FirstRegistrationTest, ANonceWithinItsLifetimeIsGood)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");

    setClockOffset(5 * 60 - 20);

    EXPECT_TRUE(answered(organisationStep(flow, "A0001", nonce, sign("gca-moi", nonce))));
}

TEST_P(FirstRegistrationTest, ASignatureByAnotherKeyOrForAnotherOriginIsInvalid)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");
    EXPECT_TRUE(refused(
        organisationStep(flow, "A0001", nonce,
            signTokenWithKeyOf(card("gca-moi"), card("gca-mofa"), server_->origin(), nonce)),
        403, "SIGNATURE_INVALID"));

    nonce = flow.challenge("organisation");
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce,
                            signToken(card("gca-moi"), server_->origin() + ".evil.example", nonce)),
        403, "SIGNATURE_INVALID"));

    nonce = flow.challenge("organisation");
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce,
                            signToken(card("gca-moi"), "http://portal.certgate.test", nonce)),
        403, "SIGNATURE_INVALID"));

    // Signed over another nonce of the same flow.
    nonce = flow.challenge("organisation");
    auto otherNonce = flow.challenge("organisation");
    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce, sign("gca-moi", otherNonce)), 403,
        "SIGNATURE_INVALID"));

    // An ECDSA manager card signed by an RSA key, and the reverse.
    ASSERT_TRUE(answered(flow.organisationCard("A0001", "gca-moi")));
    nonce = flow.challenge("manager");
    EXPECT_TRUE(refused(
        managerStep(flow, card("moica-ecdsa").nationalId, nonce,
            signTokenWithKeyOf(card("moica-ecdsa"), card("moica-wang"), server_->origin(), nonce)),
        403, "SIGNATURE_INVALID"));
    ASSERT_TRUE(answered(flow.get()));
    EXPECT_EQ(flow.step(), "manager");
}

TEST_P(FirstRegistrationTest, ACertificateThatDoesNotParseIsMalformed)
{
    auto flow = atOrganisationStep();
    auto nonce = flow.challenge("organisation");
    // Canonical base64 of bytes that are no certificate.
    auto token = withMember(sign("gca-moi", nonce), "certificate", "bm90IGEgY2VydGlmaWNhdGU=");

    EXPECT_TRUE(refused(organisationStep(flow, "A0001", nonce, token), 400, "CERT_MALFORMED"));
}

TEST_P(FirstRegistrationTest, EcdsaCardsBothMoicaGenerationsResidentsAndEveryOrganisationCaRegister)
{
    struct Case {
        const char* agency;
        const char* org;
        const char* manager;
    };
    for (const auto& c : { Case { "A0001", "gca-moi", "moica-ecdsa" },
             Case { "B0001", "xca-school", "moica-g3-kao" },
             Case { "C0001", "moeaca-company", "moica-resident" },
             Case { "D0001", "hca-hospital", "moica-liu" } }) {
        auto flow = startFlow("first-registration");
        ASSERT_TRUE(answered(flow.acceptTerms()));
        ASSERT_TRUE(answered(flow.organisationCard(c.agency, c.org))) << c.org;
        EXPECT_EQ(text(object(object(flow.last(), "flow"), "organisation"), "identifier"),
            card(c.org).identifier);
        ASSERT_TRUE(answered(flow.managerCard(card(c.manager).nationalId, c.manager))) << c.manager;
        ASSERT_TRUE(answered(
            flow.confirm(card(c.manager).personName, "manager@example.gov.tw", "(02)2356-5000")))
            << c.manager;
        EXPECT_EQ(flow.step(), "done");
        EXPECT_EQ(count(std::string("FROM managers WHERE agency_code = '") + c.agency
                      + "' AND cert_serial = '" + card(c.manager).serial + "'"),
            1)
            << c.manager;
    }
    // The resident card's number has 8 as its second character (new format, SPEC §3.1).
    EXPECT_EQ(card("moica-resident").nationalId[1], '8');
    EXPECT_EQ(count("FROM registrations"), 4);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(FirstRegistrationTest);

} // namespace
} // namespace certgate::test
