#include "PluginTestSupport.hpp"

#include <certgate/ca/gca/GcaPlugin.hpp>
#include <certgate/ca/hca/HcaPlugin.hpp>
#include <certgate/ca/moeaca/MoeacaPlugin.hpp>
#include <certgate/ca/xca/XcaPlugin.hpp>

#include <gtest/gtest.h>

using namespace certgate;
using namespace certgate::test;
using plugin::CardKind;

namespace {

template <typename Plugin> Plugin configured(const plugin::ProfileView& profile)
{
    Plugin plugin;
    plugin.configure(profile);
    return plugin;
}

CertificateBuilder gcaCard()
{
    CertificateBuilder card("政府憑證管理中心");
    card.rdn("C", "TW")
        .rdn("O", "行政院")
        .rdn("OU", "內政部")
        .rdn("OU", "內政部資訊中心")
        .sda(kSubjectType, { kAgencyType })
        .sda(kOrgOid, { "2.16.886.101.20003.20001.20010" });
    return card;
}

CertificateBuilder xcaCard()
{
    CertificateBuilder card("組織及團體憑證管理中心");
    card.rdn("C", "TW")
        .rdn("L", "臺北市")
        .rdn("L", "大安區")
        .rdn("O", "臺北市立測試國民小學")
        .sda(kSubjectType, { kSchoolType })
        .sda(kCardRank, { "secondary" })
        .sda(kOrgOid, { "2.16.886.111.90005.90003.100004" });
    return card;
}

CertificateBuilder moeacaCard(
    const std::string& sdaUbn = "22099131", const std::string& rdnUbn = "22099131")
{
    CertificateBuilder card("工商憑證管理中心");
    card.rdn("C", "TW").rdn("O", "測試科技股份有限公司");
    if (!rdnUbn.empty())
        card.rdn("serialNumber", rdnUbn);
    card.sda(kSubjectType, { kCompanyType }).sda(kCardRank, { "primary" });
    if (!sdaUbn.empty())
        card.sda(kUbn, { sdaUbn });
    return card;
}

CertificateBuilder hcaCard(const std::string& code = "1137010024")
{
    CertificateBuilder card("醫事憑證管理中心");
    card.rdn("C", "TW")
        .rdn("O", "測試醫院")
        .rdn("serialNumber", code)
        .sda(kSubjectType, { kHealthInstitutionType });
    return card;
}

} // namespace

TEST(OrganisationPluginsTest, eachPluginHasItsIdAndTheOrganisationKind)
{
    EXPECT_EQ(ca::gca::GcaPlugin().id(), "gca");
    EXPECT_EQ(ca::xca::XcaPlugin().id(), "xca");
    EXPECT_EQ(ca::moeaca::MoeacaPlugin().id(), "moeaca");
    EXPECT_EQ(ca::hca::HcaPlugin().id(), "hca");
    EXPECT_EQ(ca::gca::GcaPlugin().kind(), CardKind::Organisation);
    EXPECT_EQ(ca::hca::HcaPlugin().kind(), CardKind::Organisation);
}

TEST(GcaPluginTest, extractsEveryFieldOfAnAgencyCard)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto identity = plugin.extractIdentity(gcaCard().serial("00ab:cd").build());
    EXPECT_EQ(identity.kind, CardKind::Organisation);
    EXPECT_EQ(identity.organisationName, "內政部資訊中心"); // the last OU, not its parent
    EXPECT_EQ(identity.identifier, "2.16.886.101.20003.20001.20010");
    EXPECT_EQ(identity.identifierType, "agency-oid");
    EXPECT_EQ(identity.certificateSerial, "ABCD");
    EXPECT_EQ(identity.issuer, "OU=政府憑證管理中心,O=行政院,C=TW");
    EXPECT_EQ(identity.extra.at("subjectType"), kAgencyType);
    EXPECT_TRUE(identity.name.empty());
    EXPECT_TRUE(identity.idLast4.empty());
}

TEST(GcaPluginTest, fallsBackToTheOrganisationWhenThereIsNoUnit)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    CertificateBuilder card("政府憑證管理中心");
    card.rdn("C", "TW")
        .rdn("O", "監察院")
        .sda(kSubjectType, { kAgencyType })
        .sda(kOrgOid, { "2.16.886.101.20007" });
    EXPECT_EQ(plugin.extractIdentity(card.build()).organisationName, "監察院");
}

TEST(GcaPluginTest, findsTheAgencyOidInAnyAttributeWhenPoint102IsAbsent)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    CertificateBuilder card("政府憑證管理中心");
    card.rdn("C", "TW")
        .rdn("OU", "經濟部水利署第二河川分署")
        .sda(kSubjectType, { kAgencyType })
        .sda("2.16.886.1.100.2.200", { "not an oid", "2.16.886.101.20003.20007.20015" });
    EXPECT_EQ(plugin.extractIdentity(card.build()).identifier, "2.16.886.101.20003.20007.20015");
}

TEST(GcaPluginTest, takesTheFirstSourceWhenNotCrossChecking)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().sda("2.16.886.1.100.2.200", { "2.16.886.101.20007" }).build();
    EXPECT_EQ(plugin.extractIdentity(card).identifier, "2.16.886.101.20003.20001.20010");
}

TEST(GcaPluginTest, refusesAServerCertificateAsTheWrongCardKind)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    CertificateBuilder card("政府憑證管理中心");
    card.rdn("C", "TW")
        .rdn("O", "行政院")
        .rdn("OU", "內政部")
        .rdn("CN", "www.example.gov.tw")
        .rdn("serialNumber", "1234567890123456")
        .sda(kSubjectType, { kServerType });
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card.build()); }), "WRONG_CARD_KIND");
    EXPECT_NE(
        errorDetailOf([&] { plugin.extractIdentity(card.build()); }).find("server certificate"),
        std::string::npos);
}

TEST(GcaPluginTest, refusesACitizenCertificateAsTheWrongCardKind)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().build();
    card.subjectDirectoryAttributes[0].values = { kCitizenType };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(GcaPluginTest, refusesAnOrganisationTypeItsProfileDoesNotAccept)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().build();
    card.subjectDirectoryAttributes[0].values = { kCompanyType };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(GcaPluginTest, refusesACardWithoutSubjectTypeAsMalformed)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().build();
    card.subjectDirectoryAttributes.erase(card.subjectDirectoryAttributes.begin());
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "CERT_MALFORMED");
}

TEST(GcaPluginTest, refusesConflictingSubjectTypesAsMalformed)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().sda(kSubjectType, { kServerType }).build();
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "CERT_MALFORMED");
}

TEST(GcaPluginTest, refusesAnIdentifierOutsideTheAgencyArcAsMalformed)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto card = gcaCard().build();
    card.subjectDirectoryAttributes[1].values = { "2.16.886.111.90005" };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "CERT_MALFORMED");
}

TEST(GcaPluginTest, refusesACardWithoutIdentifierOrNameAsMalformed)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    auto noIdentifier = gcaCard().build();
    noIdentifier.subjectDirectoryAttributes.pop_back();
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(noIdentifier); }), "CERT_MALFORMED");
    auto noName = gcaCard().build();
    noName.subject = { { "2.5.4.6", "C", "TW" } };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(noName); }), "CERT_MALFORMED");
}

TEST(GcaPluginTest, refusesANonHexSerialAsMalformed)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(gcaCard().serial("XYZ").build()); }),
        "CERT_MALFORMED");
}

TEST(GcaPluginTest, checksAgencyOidFormat)
{
    auto plugin = configured<ca::gca::GcaPlugin>(gcaProfile());
    EXPECT_EQ(plugin.checkFormat(plugin::format::Identifier, "2.16.886.101.20003"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::Identifier, "2.16.886.111.20003"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::Identifier, "20003"), std::nullopt);
    EXPECT_EQ(plugin.checkFormat(plugin::format::NationalId, "A123456789"), "unsupported");
}

TEST(XcaPluginTest, extractsEveryFieldOfASchoolCard)
{
    auto plugin = configured<ca::xca::XcaPlugin>(xcaProfile());
    auto identity = plugin.extractIdentity(xcaCard().build());
    EXPECT_EQ(identity.organisationName, "臺北市立測試國民小學");
    EXPECT_EQ(identity.identifier, "2.16.886.111.90005.90003.100004");
    EXPECT_EQ(identity.identifierType, "org-oid");
    EXPECT_EQ(identity.certificateSerial, "28785E821EA0940F5A3D9A2E462DB6D7");
    EXPECT_EQ(identity.issuer, "OU=組織及團體憑證管理中心,O=行政院,C=TW");
    EXPECT_EQ(identity.extra.at("subjectType"), kSchoolType);
}

// XCA's subject types are unknown (taiwan-pki.md §1.2): an empty accepted list takes any
// organisation type, but still no person or server certificate.
TEST(XcaPluginTest, acceptsAnyOrganisationTypeButNoPersonOrServer)
{
    auto plugin = configured<ca::xca::XcaPlugin>(xcaProfile());
    auto card = xcaCard().build();
    card.subjectDirectoryAttributes[0].values = { "2.16.886.1.100.3.2.99" };
    EXPECT_EQ(plugin.extractIdentity(card).extra.at("subjectType"), "2.16.886.1.100.3.2.99");
    card.subjectDirectoryAttributes[0].values = { kCitizenType };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "WRONG_CARD_KIND");
    card.subjectDirectoryAttributes[0].values = { kServerType };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(XcaPluginTest, refusesAnAgencyOidAsMalformed)
{
    auto plugin = configured<ca::xca::XcaPlugin>(xcaProfile());
    auto card = xcaCard().build();
    card.subjectDirectoryAttributes[2].values = { "2.16.886.101.20003" };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "CERT_MALFORMED");
}

TEST(MoeacaPluginTest, extractsEveryFieldWhenBothUbnCopiesAgree)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    auto identity = plugin.extractIdentity(moeacaCard().build());
    EXPECT_EQ(identity.organisationName, "測試科技股份有限公司");
    EXPECT_EQ(identity.identifier, "22099131");
    EXPECT_EQ(identity.identifierType, "ubn");
    EXPECT_EQ(identity.certificateSerial, "28785E821EA0940F5A3D9A2E462DB6D7");
    EXPECT_EQ(identity.issuer, "OU=工商憑證管理中心,O=行政院,C=TW");
    EXPECT_EQ(identity.extra.at("subjectType"), kCompanyType);
    EXPECT_EQ(identity.extra.at("cardRank"), "primary");
}

// taiwan-pki.md §7: a 2013 MOEACA certificate has no serialNumber RDN.
TEST(MoeacaPluginTest, readsTheUbnFromEitherCopyAlone)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    EXPECT_EQ(plugin.extractIdentity(moeacaCard("22099131", "").build()).identifier, "22099131");
    EXPECT_EQ(plugin.extractIdentity(moeacaCard("", "04595252").build()).identifier, "04595252");
}

TEST(MoeacaPluginTest, refusesUbnCopiesThatDisagreeAsMalformed)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    auto card = moeacaCard("22099131", "04595257").build();
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "CERT_MALFORMED");
    EXPECT_NE(
        errorDetailOf([&] { plugin.extractIdentity(card); }).find("differs"), std::string::npos);
}

TEST(MoeacaPluginTest, refusesAUbnWithAWrongCheckDigitAsMalformed)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    EXPECT_EQ(
        errorCodeOf([&] { plugin.extractIdentity(moeacaCard("22099132", "22099132").build()); }),
        "CERT_MALFORMED");
}

TEST(MoeacaPluginTest, refusesACardWithoutUbnAsMalformed)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    EXPECT_EQ(
        errorCodeOf([&] { plugin.extractIdentity(moeacaCard("", "").build()); }), "CERT_MALFORMED");
}

TEST(MoeacaPluginTest, checksUbnFormat)
{
    auto plugin = configured<ca::moeaca::MoeacaPlugin>(moeacaProfile());
    EXPECT_EQ(plugin.checkFormat(plugin::format::Identifier, "04595252"), std::nullopt);
    EXPECT_EQ(plugin.checkFormat(plugin::format::Identifier, "12345675"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::Identifier, "04595253"), std::nullopt);
    EXPECT_EQ(plugin.checkFormat(plugin::format::CardNumber, "TP03000000000001"), "unsupported");
}

TEST(HcaPluginTest, extractsEveryFieldOfAnInstitutionCard)
{
    auto plugin = configured<ca::hca::HcaPlugin>(hcaProfile());
    auto identity = plugin.extractIdentity(hcaCard().build());
    EXPECT_EQ(identity.organisationName, "測試醫院");
    EXPECT_EQ(identity.identifier, "1137010024");
    EXPECT_EQ(identity.identifierType, "institution-code");
    EXPECT_EQ(identity.certificateSerial, "28785E821EA0940F5A3D9A2E462DB6D7");
    EXPECT_EQ(identity.issuer, "OU=醫事憑證管理中心,O=行政院,C=TW");
    EXPECT_EQ(identity.extra.at("subjectType"), kHealthInstitutionType);
}

TEST(HcaPluginTest, readsTheCodeFromTheAttributeWhenTheSubjectHasNone)
{
    auto plugin = configured<ca::hca::HcaPlugin>(hcaProfile());
    CertificateBuilder card("醫事憑證管理中心");
    card.rdn("C", "TW")
        .rdn("O", "測試診所")
        .sda(kSubjectType, { kHealthInstitutionType })
        .sda(kInstitutionCode, { "3501200000" });
    EXPECT_EQ(plugin.extractIdentity(card.build()).identifier, "3501200000");
}

TEST(HcaPluginTest, refusesAHealthcareProfessionalCardAsTheWrongCardKind)
{
    auto plugin = configured<ca::hca::HcaPlugin>(hcaProfile());
    auto card = hcaCard().build();
    card.subjectDirectoryAttributes[0].values = { kHealthProfessionalType };
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(card); }), "WRONG_CARD_KIND");
}

TEST(HcaPluginTest, refusesABadInstitutionCodeAsMalformed)
{
    auto plugin = configured<ca::hca::HcaPlugin>(hcaProfile());
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(hcaCard("113701002").build()); }),
        "CERT_MALFORMED");
    EXPECT_EQ(plugin.checkFormat(plugin::format::Identifier, "1137010024"), std::nullopt);
    EXPECT_NE(plugin.checkFormat(plugin::format::Identifier, "113701002a"), std::nullopt);
}

TEST(OrganisationProfileTest, refusesAProfileWithoutANeededRule)
{
    for (const char* rule : { "subjectTypeOid", "organisationNameFrom", "identifierType",
             "identifierSources", "identifierFormat" }) {
        auto profile = gcaProfile();
        profile.rules.erase(rule);
        ca::gca::GcaPlugin plugin;
        EXPECT_EQ(errorCodeOf([&] { plugin.configure(profile); }), "PROFILE_INVALID") << rule;
        EXPECT_NE(errorDetailOf([&] { plugin.configure(profile); }).find(rule), std::string::npos);
    }
}

TEST(OrganisationProfileTest, refusesMalformedRules)
{
    auto withRule = [](const std::string& key, std::vector<std::string> value) {
        auto profile = moeacaProfile();
        profile.rules[key] = std::move(value);
        return profile;
    };
    for (const auto& profile :
        { withRule("identifierFormat", { "iban" }),
            withRule("identifierFormat", { "oid-under:not-an-oid" }),
            withRule("identifierSources", { "ldap:cn" }), withRule("identifierSources", { "sda:" }),
            withRule("identifierSources", { "sda-oid-under:x.y" }),
            withRule("identifierCrossCheck", { "yes" }),
            withRule("subjectTypeOid", { "subjectType" }),
            withRule("acceptedSubjectTypes", { "company" }),
            withRule("cardRankOid", { "rank" }) }) {
        ca::moeaca::MoeacaPlugin plugin;
        EXPECT_EQ(errorCodeOf([&] { plugin.configure(profile); }), "PROFILE_INVALID");
    }
}

TEST(OrganisationProfileTest, refusesACitizenProfile)
{
    ca::gca::GcaPlugin plugin;
    auto profile = gcaProfile();
    profile.kind = CardKind::Citizen;
    EXPECT_EQ(errorCodeOf([&] { plugin.configure(profile); }), "PROFILE_INVALID");
}

TEST(OrganisationProfileTest, anUnconfiguredPluginRefusesToWork)
{
    ca::gca::GcaPlugin plugin;
    EXPECT_EQ(errorCodeOf([&] { plugin.extractIdentity(gcaCard().build()); }), "PROFILE_INVALID");
}
