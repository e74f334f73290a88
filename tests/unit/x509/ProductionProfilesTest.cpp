#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <gtest/gtest.h>

namespace certgate::x509 {
namespace {

using certgate::test::TestPki;
using core::ErrorCode;
using namespace certgate::x509::test;

// The real GPKI CA certificates of ca-profiles/certs (see certs/INDEX.md).
const std::string kGrcaG1 = "CCCCEFCC2960A43BB192B63CFA32628FAC25153B";
const std::string kGrcaG2 = "D5671DE09C7A2C9CCBC598E71D07262A86EC74CD";
const std::string kMoicaG1 = "B620C8CFBE518AA454B978D304D10AB2CC7E2F46";
const std::string kMoicaG2 = "FA9B3467090A9822F762488B8226A645C5C322A4";
const std::string kMoicaG3 = "4720A3B1264BCD6D48ACF2640886972C7454115F";
const std::string kGrcaG3 = "3A908EE741471973DC9CBDA37ED83D3E83091F03";
const std::string kGrcaDn = "O=Government Root Certification Authority,C=TW";
const std::string kGrcaG3Dn = "CN=Government Root Certification Authority - G3,O=行政院,C=TW";
const std::string kMoicaDn = "OU=內政部憑證管理中心,O=行政院,C=TW";

core::CaProfile grcaProfile(const std::string& id, std::vector<std::string> anchors,
    std::vector<std::string> intermediates, std::vector<std::string> claims)
{
    core::CaProfile profile;
    profile.id = id;
    for (const auto& name : anchors) {
        profile.trustAnchorPaths.push_back(realCaCert(name));
        profile.trustAnchors.push_back(readFile(realCaCert(name)));
    }
    for (const auto& name : intermediates) {
        profile.intermediatePaths.push_back(realCaCert(name));
        profile.intermediates.push_back(readFile(realCaCert(name)));
    }
    profile.issuerKeyIds = std::move(claims);
    profile.policies = { "2.16.886.101.0.3.3" };
    profile.revocation.mode = core::RevocationMode::None;
    return profile;
}

class ProductionProfilesTest : public ::testing::Test {
protected:
    core::ManualClock clock { epochOf("2026-06-01T00:00:00Z") };
    std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
    OpenSslCertificateValidator production { productionProfiles(), clock, fetcher };

    plugin::CertificateView real(const std::string& name)
    {
        return production.parse(certificateDer(realCaCert(name)));
    }
};

TEST_F(ProductionProfilesTest, LoadsEveryProductionProfileWithItsRealAnchors)
{
    std::vector<std::string> ids;
    for (const auto& profile : production.profiles())
        ids.push_back(profile.id);
    EXPECT_EQ(ids, (std::vector<std::string> { "gca", "hca", "moeaca", "moica", "xca" }));
}

TEST_F(ProductionProfilesTest, ParsesEveryRealGpkiCaCertificate)
{
    struct Expected {
        std::string file, subject, ski, aki;
        std::int64_t notAfter;
    };
    const std::vector<Expected> expected {
        { "grca-g1", kGrcaDn, kGrcaG1, "", epochOf("2032-12-05T13:23:33Z") },
        { "grca-g2", kGrcaDn, kGrcaG2, "", epochOf("2037-12-31T15:59:59Z") },
        { "grca-g1-to-g2-link", kGrcaDn, kGrcaG2, kGrcaG1, epochOf("2032-12-05T13:23:33Z") },
        { "moica-g1", kMoicaDn, kMoicaG1, kGrcaG1, epochOf("2023-04-21T07:56:07Z") },
        { "moica-g2", kMoicaDn, kMoicaG2, kGrcaG2, epochOf("2034-01-02T06:31:04Z") },
        { "grca-g3", kGrcaG3Dn, kGrcaG3, "", epochOf("2049-12-31T15:59:59Z") },
        { "moica-g3", kMoicaDn, kMoicaG3, kGrcaG3, epochOf("2044-01-23T15:59:59Z") },
        { "moeaca-g2", "OU=工商憑證管理中心,O=行政院,C=TW",
            "99447A0272EB6D6522B302578FD6A1DD3A020F6C", kGrcaG2, epochOf("2033-01-31T03:29:20Z") },
    };
    for (const auto& e : expected) {
        SCOPED_TRACE(e.file);
        const auto view = real(e.file);
        EXPECT_EQ(view.subjectString, e.subject);
        EXPECT_EQ(view.subjectKeyId, e.ski);
        EXPECT_EQ(view.authorityKeyId, e.aki);
        EXPECT_EQ(view.notAfter, e.notAfter);
        EXPECT_TRUE(view.isCa);
        EXPECT_EQ(view.publicKeyAlgorithm, "RSA");
        EXPECT_GE(view.publicKeyBits, 2048);
    }
    EXPECT_EQ(real("grca-g1").serialHex, "1F9D595AD72FC20644A5800869E35EF6");
    EXPECT_EQ(real("moica-g2").issuer.size(), 2u);
    EXPECT_EQ(real("moica-g2").subjectValue("OU"), "內政部憑證管理中心");
}

TEST_F(ProductionProfilesTest, ChainsTheRealMoicaG2CaDirectlyToGrcaG2)
{
    const auto path = production.buildPath(real("moica-g2"), "moica");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds, (std::vector<std::string> { kMoicaG2, kGrcaG2 }));
    EXPECT_EQ(path.subjects, (std::vector<std::string> { kMoicaDn, kGrcaDn }));
}

TEST_F(ProductionProfilesTest, ChainsTheRealMoicaG2CaToGrcaG1ThroughTheLinkCertificate)
{
    OpenSslCertificateValidator g1Only {
        { grcaProfile("g1-link", { "grca-g1" }, { "grca-g1-to-g2-link" }, {}) }, clock, fetcher
    };
    const auto path = g1Only.buildPath(real("moica-g2"), "g1-link");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds, (std::vector<std::string> { kMoicaG2, kGrcaG2, kGrcaG1 }));
}

TEST_F(ProductionProfilesTest, DoesNotChainTheRealMoicaG2CaToGrcaG1WithoutTheLink)
{
    OpenSslCertificateValidator g1Only { { grcaProfile("g1", { "grca-g1" }, {}, {}) }, clock,
        fetcher };
    EXPECT_NE(g1Only.buildPath(real("moica-g2"), "g1").error, "");
    // ...while MOICA G1, issued by the G1 key itself, does.
    const auto path = g1Only.buildPath(real("moica-g1"), "g1");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds, (std::vector<std::string> { kMoicaG1, kGrcaG1 }));
}

// MOICA G3 (cards issued since 2024) chains to GRCA G3, a root of its own: pinned in the
// shipped profile by key identifier, beside the G1/G2 generation that shares no DN with it.
TEST_F(ProductionProfilesTest, ChainsTheRealMoicaG3CaToGrcaG3)
{
    const auto path = production.buildPath(real("moica-g3"), "moica");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds, (std::vector<std::string> { kMoicaG3, kGrcaG3 }));
    EXPECT_EQ(path.subjects, (std::vector<std::string> { kMoicaDn, kGrcaG3Dn }));
}

TEST_F(ProductionProfilesTest, DoesNotChainMoicaG3WithoutGrcaG3)
{
    OpenSslCertificateValidator g1g2 {
        { grcaProfile("g1g2", { "grca-g1", "grca-g2" }, { "grca-g1-to-g2-link" }, { kMoicaG3 }) },
        clock, fetcher
    };
    EXPECT_NE(g1g2.buildPath(real("moica-g3"), "g1g2").error, "");
}

TEST_F(ProductionProfilesTest, ValidatesTheRealMoicaG2CaUnderAProfileClaimingByTheGrcaKey)
{
    OpenSslCertificateValidator byGrca {
        { grcaProfile("grca", { "grca-g1", "grca-g2" }, { "grca-g1-to-g2-link" }, { kGrcaG2 }) },
        clock, fetcher
    };
    core::ValidationOptions options;
    options.at = clock.now();
    const auto result = byGrca.validate(real("moica-g2"), options);
    EXPECT_EQ(result.profileId, "grca");
    EXPECT_EQ(result.path, (std::vector<std::string> { kMoicaDn, kGrcaDn }));
    // Path and validity pass; a CA certificate is no login certificate (keyCertSign only).
    EXPECT_EQ(result.error, ErrorCode::CertKeyUsage) << result.detail;
    options.at = epochOf("2034-01-03T00:00:00Z");
    EXPECT_EQ(byGrca.validate(real("moica-g2"), options).error, ErrorCode::CertExpired);
}

TEST_F(ProductionProfilesTest, RefusesATestPkiCitizenCardAlthoughItsIssuerDnIsTheRealMoicaDn)
{
    const auto& pki = TestPki::get();
    const auto card = production.parse(certificateDer(pki.card("moica-wang").signCert));
    ASSERT_EQ(card.issuerString, kMoicaDn);
    core::ValidationOptions options;
    options.at = frozenNow();
    const auto result = production.validate(card, options);
    EXPECT_EQ(result.error, ErrorCode::CertUntrusted);
    EXPECT_EQ(result.profileId, "");
    EXPECT_TRUE(fetcher->requests().empty());
}

TEST_F(ProductionProfilesTest, RefusesATestPkiCardEvenIfAProfileWronglyClaimedItsIssuerKey)
{
    const auto& pki = TestPki::get();
    auto profiles = productionProfiles();
    profileNamed(profiles, "moica").issuerKeyIds.push_back(pki.ca("moica-g2").ski);
    OpenSslCertificateValidator misconfigured { profiles, clock, fetcher };
    core::ValidationOptions options;
    options.at = frozenNow();
    const auto result = misconfigured.validate(
        misconfigured.parse(certificateDer(pki.card("moica-wang").signCert)), options);
    EXPECT_EQ(result.error, ErrorCode::CertUntrusted);
    EXPECT_EQ(result.profileId, "moica");
    EXPECT_NE(result.detail.find("no path"), std::string::npos) << result.detail;
}

} // namespace
} // namespace certgate::x509
