#include "PluginTestSupport.hpp"

#include <certgate/ca/common/CitizenCaPlugin.hpp>
#include <certgate/ca/moica/MoicaPlugin.hpp>

#include <gtest/gtest.h>

using namespace certgate;
using namespace certgate::test;
using namespace std::chrono;
using plugin::CardKind;

namespace {

ca::moica::MoicaPlugin configuredMoica()
{
    ca::moica::MoicaPlugin plugin;
    plugin.configure(moicaProfile());
    return plugin;
}

CertificateBuilder citizenCard()
{
    CertificateBuilder card;
    card.rdn("C", "TW")
        .rdn("CN", "王小明")
        .rdn("serialNumber", "0000000012345678")
        .sda(kSubjectType, { kCitizenType })
        .sda(kIdLast4, { "6789" });
    return card;
}

} // namespace

TEST(MoicaPluginTest, isTheCitizenPluginMoica)
{
    ca::moica::MoicaPlugin plugin;
    EXPECT_EQ(plugin.id(), "moica");
    EXPECT_EQ(plugin.kind(), CardKind::Citizen);
}

TEST(MoicaPluginTest, extractsEveryFieldOfACitizenCard)
{
    auto identity = configuredMoica().extractIdentity(citizenCard().serial("0a:bc").build());
    EXPECT_EQ(identity.kind, CardKind::Citizen);
    EXPECT_EQ(identity.name, "王小明");
    EXPECT_EQ(identity.idLast4, "6789");
    EXPECT_EQ(identity.subjectSerialNumber, "0000000012345678");
    EXPECT_EQ(identity.certificateSerial, "ABC");
    EXPECT_EQ(identity.issuer, "OU=內政部憑證管理中心,O=行政院,C=TW");
    EXPECT_EQ(identity.extra.at("subjectType"), kCitizenType);
    EXPECT_TRUE(identity.organisationName.empty());
    EXPECT_TRUE(identity.identifier.empty());
}

TEST(MoicaPluginTest, acceptsAnAlienResidentCard)
{
    auto card = citizenCard().build();
    card.subjectDirectoryAttributes[0].values = { kAlienType };
    EXPECT_EQ(configuredMoica().extractIdentity(card).extra.at("subjectType"), kAlienType);
}

TEST(MoicaPluginTest, reportsTheCardRankWhenTheProfileNamesIt)
{
    auto profile = moicaProfile();
    profile.rules["cardRankOid"] = { kCardRank };
    ca::moica::MoicaPlugin plugin;
    plugin.configure(profile);
    EXPECT_EQ(plugin.extractIdentity(citizenCard().sda(kCardRank, { "mobile" }).build())
                  .extra.at("cardRank"),
        "mobile");
}

// SPEC §3.1: "where the certificate carries the last four ID digits".
TEST(MoicaPluginTest, leavesIdLast4EmptyWhenTheCardHasNone)
{
    auto card = citizenCard().build();
    card.subjectDirectoryAttributes.pop_back();
    EXPECT_EQ(configuredMoica().extractIdentity(card).idLast4, "");
}

TEST(MoicaPluginTest, refusesAnOrganisationCardAsTheWrongCardKind)
{
    auto card = citizenCard().build();
    card.subjectDirectoryAttributes[0].values = { kAgencyType };
    EXPECT_EQ(errorCodeOf([&] { configuredMoica().extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(MoicaPluginTest, refusesAServerCertificateAsTheWrongCardKind)
{
    auto card = citizenCard().build();
    card.subjectDirectoryAttributes[0].values = { kServerType };
    EXPECT_EQ(errorCodeOf([&] { configuredMoica().extractIdentity(card); }), "WRONG_CARD_KIND");
    EXPECT_NE(errorDetailOf([&] { configuredMoica().extractIdentity(card); }).find("server"),
        std::string::npos);
}

TEST(MoicaPluginTest, refusesAPersonTypeItsProfileDoesNotAccept)
{
    auto card = citizenCard().build();
    card.subjectDirectoryAttributes[0].values = { kHealthProfessionalType };
    EXPECT_EQ(errorCodeOf([&] { configuredMoica().extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(MoicaPluginTest, refusesMissingOrMalformedAttributesAsMalformed)
{
    auto plugin = configuredMoica();
    auto noType = citizenCard().build();
    noType.subjectDirectoryAttributes.erase(noType.subjectDirectoryAttributes.begin());
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(noType); }), "CERT_MALFORMED");

    auto noName = citizenCard().build();
    noName.subject.erase(noName.subject.begin() + 1);
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(noName); }), "CERT_MALFORMED");

    auto badLast4 = citizenCard().build();
    badLast4.subjectDirectoryAttributes[1].values = { "67a9" };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(badLast4); }), "CERT_MALFORMED");

    auto emptyLast4 = citizenCard().build();
    emptyLast4.subjectDirectoryAttributes[1].values = { "" };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(emptyLast4); }), "CERT_MALFORMED");

    auto badSerialNumber = citizenCard().build();
    badSerialNumber.subject[2].value = "12345";
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(badSerialNumber); }), "CERT_MALFORMED");

    auto typeNotOid = citizenCard().build();
    typeNotOid.subjectDirectoryAttributes[0].values = { "citizen" };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(typeNotOid); }), "CERT_MALFORMED");

    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(citizenCard().serial("").build()); }),
        "CERT_MALFORMED");
}

TEST(MoicaPluginTest, checksNationalIdsWithTheDateItIsGiven)
{
    ca::common::CitizenCaPlugin before("moica", [] {
        return year_month_day { year { 2030 }, December, day { 31 } };
    });
    ca::common::CitizenCaPlugin after("moica", [] {
        return year_month_day { year { 2031 }, January, day { 1 } };
    });
    EXPECT_EQ(before.checkFormat(plugin::format::NationalId, "A123456789"), std::nullopt);
    EXPECT_EQ(before.checkFormat(plugin::format::NationalId, "A800000014"), std::nullopt);
    EXPECT_EQ(before.checkFormat(plugin::format::NationalId, "AA00000009"), std::nullopt);
    EXPECT_NE(after.checkFormat(plugin::format::NationalId, "AA00000009"), std::nullopt);
    EXPECT_NE(before.checkFormat(plugin::format::NationalId, "A123456788"), std::nullopt);
}

TEST(MoicaPluginTest, checksSerialsAndCardNumbers)
{
    ca::moica::MoicaPlugin plugin;
    EXPECT_EQ(plugin.checkFormat(plugin::format::CertificateSerial, "28:78:5e:82"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::CertificateSerial, "28785G"), std::nullopt);
    EXPECT_EQ(plugin.checkFormat(plugin::format::CardNumber, "TP03000000000001"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::CardNumber, "TP0300000000001"), std::nullopt);
    EXPECT_EQ(plugin.checkFormat(plugin::format::Identifier, "22099131"), "unsupported");
    EXPECT_EQ(plugin.checkFormat("something-else", "x"), "unsupported");
}

TEST(MoicaProfileTest, refusesAProfileWithoutIdLast4OrSubjectTypeRules)
{
    for (const char* rule : { "idLast4Oid", "subjectTypeOid" }) {
        auto profile = moicaProfile();
        profile.rules.erase(rule);
        ca::moica::MoicaPlugin plugin;
        EXPECT_EQ(errorCodeOf([&] { plugin.configure(profile); }), "PROFILE_INVALID") << rule;
    }
}

TEST(MoicaProfileTest, refusesABadPatternAnOrganisationProfileAndUnconfiguredUse)
{
    auto badPattern = moicaProfile();
    badPattern.rules["idLast4Pattern"] = { "([0-9" };
    ca::moica::MoicaPlugin plugin;
    EXPECT_EQ(errorCodeOf([&] { plugin.configure(badPattern); }), "PROFILE_INVALID");
    auto organisation = moicaProfile();
    organisation.kind = CardKind::Organisation;
    EXPECT_EQ(errorCodeOf([&] { plugin.configure(organisation); }), "PROFILE_INVALID");
    EXPECT_EQ(
        errorCodeOf([&] { plugin.extractIdentity(citizenCard().build()); }), "PROFILE_INVALID");
}
