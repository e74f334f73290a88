#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace certgate::x509 {
namespace {

using certgate::test::TempDir;
using certgate::test::TestPki;
using core::ErrorCode;
using Status = core::RevocationResult::Status;
using namespace certgate::x509::test;

const std::string kRootSubject = "O=certgate Test Government Root Certification Authority,C=TW";

class OpenSslCertificateValidatorTest : public ::testing::Test {
protected:
    const TestPki& pki = TestPki::get();
    core::ManualClock clock { frozenNow() };
    std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
    std::vector<core::CaProfile> profiles = testPkiProfiles();
    std::unique_ptr<OpenSslCertificateValidator> validator
        = std::make_unique<OpenSslCertificateValidator>(profiles, clock, fetcher);

    void rebuild()
    {
        validator = std::make_unique<OpenSslCertificateValidator>(profiles, clock, fetcher);
    }

    plugin::CertificateView card(const std::string& name)
    {
        return validator->parse(certificateDer(pki.card(name).signCert));
    }

    core::ValidationOptions options(bool revocation = true) const
    {
        core::ValidationOptions o;
        o.at = clock.now();
        o.checkRevocation = revocation;
        return o;
    }

    core::ChainResult validate(const std::string& name)
    {
        return validator->validate(card(name), options());
    }

    Minted mintFrom(const std::string& ca, const MintSpec& spec)
    {
        return mint(dir.path(), pki.ca(ca).cert, pki.ca(ca).key, spec);
    }

    TempDir dir { "certgate-x509" };
};

ErrorCode codeOf(const core::ChainResult& result)
{
    EXPECT_TRUE(result.error.has_value()) << "expected a refusal; path size " << result.path.size();
    return result.error.value_or(ErrorCode::InternalError);
}

// --- parse -------------------------------------------------------------------------

TEST_F(OpenSslCertificateValidatorTest, ParsesACitizenCardIntoThePlainViewPluginsRead)
{
    const auto view = card("moica-wang");
    const auto& wang = pki.card("moica-wang");

    EXPECT_EQ(view.serialHex, wang.serial);
    EXPECT_EQ(view.subjectString, cardField("moica-wang", "subject"));
    EXPECT_EQ(view.issuerString, "OU=內政部憑證管理中心,O=行政院,C=TW");
    ASSERT_EQ(view.subject.size(), 3u);
    EXPECT_EQ(view.subject[0].shortName, "C");
    EXPECT_EQ(view.subject[1].oid, "2.5.4.3");
    EXPECT_EQ(view.subject[1].value, "王大明");
    EXPECT_EQ(view.subject[2].shortName, "serialNumber");
    EXPECT_EQ(view.subjectValue("serialNumber"), wang.subjectSerialNumber);
    ASSERT_EQ(view.issuer.size(), 3u);
    EXPECT_EQ(view.issuer[2].value, "內政部憑證管理中心");
    EXPECT_EQ(view.authorityKeyId, pki.ca("moica-g2").ski);
    EXPECT_EQ(view.subjectKeyId.size(), 40u);
    EXPECT_EQ(view.notBefore, epochOf(cardField("moica-wang", "notBefore")));
    EXPECT_EQ(view.notAfter, epochOf(cardField("moica-wang", "notAfter")));
    EXPECT_TRUE(view.hasKeyUsage);
    EXPECT_TRUE(view.keyUsage & plugin::DigitalSignature);
    EXPECT_FALSE(view.keyUsage & plugin::KeyEncipherment);
    EXPECT_EQ(view.policies, std::vector<std::string> { "2.16.886.101.0.3.3" });
    EXPECT_EQ(view.extendedKeyUsage,
        (std::vector<std::string> { "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4" }));
    EXPECT_EQ(view.attributeValues("2.16.886.1.100.2.1"),
        std::vector<std::string> { "2.16.886.1.100.3.1.1" });
    EXPECT_EQ(
        view.attributeValues("2.16.886.1.100.2.51"), std::vector<std::string> { wang.idLast4 });
    EXPECT_EQ(view.publicKeyAlgorithm, "RSA");
    EXPECT_EQ(view.publicKeyBits, 2048);
    EXPECT_FALSE(view.isCa);
    EXPECT_EQ(view.der, certificateDer(wang.signCert));
}

TEST_F(OpenSslCertificateValidatorTest,
    ParsesTheIdentifiersOfOrganisationCardsFromSubjectDirectoryAttributes)
{
    EXPECT_EQ(card("xca-school").attributeValues("2.16.886.1.100.2.102"),
        std::vector<std::string> { pki.card("xca-school").identifier });
    EXPECT_EQ(card("xca-school").attributeValues("2.16.886.1.100.2.2"),
        std::vector<std::string> { "secondary" });
    EXPECT_EQ(card("moeaca-company").attributeValues("2.16.886.1.100.2.101"),
        std::vector<std::string> { "24580035" });
    EXPECT_EQ(card("gca-server").attributeValues("2.16.886.1.100.2.1"),
        std::vector<std::string> { "2.16.886.1.100.3.3.1" });
    EXPECT_EQ(card("gca-server").extendedKeyUsage,
        (std::vector<std::string> { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" }));
}

TEST_F(OpenSslCertificateValidatorTest, ParsesAnEcdsaCardAsAnEcP256Key)
{
    const auto view = card("moica-ecdsa");
    EXPECT_EQ(view.publicKeyAlgorithm, "EC");
    EXPECT_EQ(view.publicKeyBits, 256);
}

TEST_F(OpenSslCertificateValidatorTest, ParsesACaCertificateAsACa)
{
    const auto view = validator->parse(certificateDer(pki.ca("moica-g2").cert));
    EXPECT_TRUE(view.isCa);
    EXPECT_EQ(view.subjectKeyId, pki.ca("moica-g2").ski);
    EXPECT_EQ(view.publicKeyBits, 3072);
    EXPECT_TRUE(view.keyUsage & plugin::KeyCertSign);
}

TEST_F(OpenSslCertificateValidatorTest, ConvertsDatesBefore1970AndAfter2038ToSignedEpochSeconds)
{
    MintSpec spec;
    spec.notBefore = "19600101000000Z";
    spec.notAfter = "20600101000000Z";
    spec.extensions = goodCardExtensions();
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    EXPECT_EQ(view.notBefore, -315619200);
    EXPECT_EQ(view.notAfter, 2840140800);
}

TEST_F(OpenSslCertificateValidatorTest, RendersAttributeValuesAsTextOrHexAsThePluginApiSays)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.emplace_back("2.5.29.9",
        "DER:30:3F:30:0D:06:03:2A:03:04:31:06:0C:04:E7:8E:8B:41" // UTF8String "王A"
        ":30:0B:06:03:2A:03:05:31:04:1E:02:73:8B" // BMPString "王"
        ":30:0A:06:03:2A:03:06:31:03:02:01:05" // INTEGER 5
        ":30:15:06:03:2A:03:07:31:0E:06:03:2A:03:08:13:07:70:72:69:6D:61:72:79"); // OID +
                                                                                  // PrintableString
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    ASSERT_EQ(view.subjectDirectoryAttributes.size(), 4u);
    EXPECT_EQ(view.attributeValues("1.2.3.4"), std::vector<std::string> { "王A" });
    EXPECT_EQ(view.attributeValues("1.2.3.5"), std::vector<std::string> { "王" });
    EXPECT_EQ(view.attributeValues("1.2.3.6"), std::vector<std::string> { "020105" });
    EXPECT_EQ(view.attributeValues("1.2.3.7"), (std::vector<std::string> { "1.2.3.8", "primary" }));
}

TEST_F(OpenSslCertificateValidatorTest, RendersGeneralizedTimeAttributeValuesAsTimestamps)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.emplace_back("2.5.29.9",
        "DER:30:1A:30:18:06:03:2A:03:05:31:11:18:0F:31:39:36:30:30:31:30:32:30:33:30:34:30:35:5A");
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    EXPECT_EQ(view.attributeValues("1.2.3.5"), std::vector<std::string> { "19600102030405Z" });
}

TEST_F(OpenSslCertificateValidatorTest, RefusesAMalformedSubjectDirectoryAttributesExtension)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.emplace_back(
        "2.5.29.9", "DER:30:05:02:01:05:05:00"); // SEQUENCE OF non-Attribute
    const auto der = mintFrom("moica-g2", spec).der;
    try {
        validator->parse(der);
        FAIL() << "parsed";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::CertMalformed);
    }
}

TEST_F(OpenSslCertificateValidatorTest, RefusesTrailingBytesAfterTheCertificate)
{
    auto der = certificateDer(pki.card("moica-wang").signCert);
    der.push_back(0x00);
    try {
        validator->parse(der);
        FAIL() << "parsed";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::CertMalformed);
        EXPECT_NE(e.detail().find("1 bytes after"), std::string::npos) << e.detail();
    }
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACertificateAboveTheSizeLimitBeforeDecodingIt)
{
    auto der = certificateDer(pki.card("moica-wang").signCert);
    der.resize(OpenSslCertificateValidator::kMaxCertificateBytes + 1, 0x00);
    try {
        validator->parse(der);
        FAIL() << "parsed";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::CertMalformed);
        EXPECT_NE(e.detail().find("exceeds the limit"), std::string::npos) << e.detail();
    }
}

TEST_F(OpenSslCertificateValidatorTest, RefusesBytesThatAreNotADerCertificate)
{
    const std::vector<core::Bytes> inputs {
        {}, { 0x30, 0x03, 0x02, 0x01, 0x01 },
        readFile(pki.card("moica-wang").signCert), // PEM text is not DER
    };
    for (const auto& input : inputs)
        EXPECT_THROW(validator->parse(input), core::Error);
    auto der = certificateDer(pki.card("moica-wang").signCert);
    der.resize(der.size() - 1);
    EXPECT_THROW(validator->parse(der), core::Error);
}

TEST_F(OpenSslCertificateValidatorTest, ReadsCertificateFilesInPemWithSeveralCertificatesOrInDer)
{
    EXPECT_EQ(readCertificates(readFile(pki.dir() + "/roots.pem")).size(), 3u);
    const auto der = readCertificates(readFile(cardField("moica-wang", "signCertDer")));
    ASSERT_EQ(der.size(), 1u);
    EXPECT_EQ(der.front(), certificateDer(pki.card("moica-wang").signCert));
    EXPECT_THROW(readCertificates(core::Bytes { 'n', 'o', 'p', 'e' }), core::Error);
}

// --- claim and path ----------------------------------------------------------------

TEST_F(OpenSslCertificateValidatorTest, AcceptsTheGoodCardOfEveryCaWithThePathToTheRoot)
{
    for (const std::string name : { "moica-wang", "moica-ecdsa", "moica-resident", "moica-g3-kao",
             "gca-moi", "xca-school", "moeaca-company", "hca-hospital" }) {
        SCOPED_TRACE(name);
        const auto& c = pki.card(name);
        const auto result = validate(name);
        EXPECT_FALSE(result.error.has_value()) << result.detail;
        EXPECT_EQ(result.profileId, c.ca);
        EXPECT_EQ(result.path,
            (std::vector<std::string> { cardField(name, "subject"), caField(c.issuerCa, "subject"),
                c.issuerCa == "moica-g3" ? caField("root-g3", "subject") : kRootSubject }));
        EXPECT_EQ(result.revocation.status, Status::Good) << result.revocation.detail;
        EXPECT_EQ(result.revocation.method, "crl");
    }
    EXPECT_TRUE(fetcher->requests().empty()) << "the CRL files sufficed";
}

TEST_F(OpenSslCertificateValidatorTest, PicksTheRootGenerationByKeyIdentifierAmongSameNamedAnchors)
{
    const auto path = validator->buildPath(card("moica-wang"), "moica");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds,
        (std::vector<std::string> {
            card("moica-wang").subjectKeyId, pki.ca("moica-g2").ski, pki.ca("root-g2").ski }));
}

TEST_F(OpenSslCertificateValidatorTest, ACurrentG3CitizenCardChainsToTheG3RootByKeyIdentifier)
{
    // MOICA G3 shares MOICA G2's DN but is issued by GRCA G3, a root of its own name and key
    // with no link from G2 (like the real ones): only the G3 anchor takes it.
    const auto path = validator->buildPath(card("moica-g3-kao"), "moica");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds,
        (std::vector<std::string> {
            card("moica-g3-kao").subjectKeyId, pki.ca("moica-g3").ski, pki.ca("root-g3").ski }));
    EXPECT_EQ(path.subjects.back(), caField("root-g3", "subject"));
    EXPECT_NE(caField("root-g3", "subject").find("G3"), std::string::npos);

    auto& moica = profileNamed(profiles, "moica");
    moica.trustAnchors = { readFile(pki.ca("root-g1").cert), readFile(pki.ca("root-g2").cert) };
    rebuild();
    EXPECT_NE(validator->buildPath(card("moica-g3-kao"), "moica").error, "");
    EXPECT_EQ(codeOf(validate("moica-g3-kao")), ErrorCode::CertUntrusted);
    EXPECT_FALSE(validate("moica-wang").error.has_value()) << "G2 cards still chain";
}

TEST_F(
    OpenSslCertificateValidatorTest, ReachesTheOldRootThroughTheLinkCertificateWhenOnlyItIsTrusted)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.trustAnchors = { readFile(pki.ca("root-g1").cert) };
    rebuild();
    const auto path = validator->buildPath(card("moica-wang"), "moica");
    ASSERT_EQ(path.error, "");
    EXPECT_EQ(path.keyIds,
        (std::vector<std::string> { card("moica-wang").subjectKeyId, pki.ca("moica-g2").ski,
            pki.ca("root-g2").ski, pki.ca("root-g1").ski }));
    EXPECT_EQ(path.subjects[2], kRootSubject);
    EXPECT_EQ(path.subjects[3], kRootSubject);
    const auto result = validate("moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.path.size(), 4u);
}

TEST_F(OpenSslCertificateValidatorTest, DoesNotReachTheOldRootWithoutTheLinkCertificate)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.trustAnchors = { readFile(pki.ca("root-g1").cert) };
    moica.intermediates = { readFile(pki.ca("moica-g2").cert), readFile(pki.ca("moica-g3").cert) };
    rebuild();
    EXPECT_NE(validator->buildPath(card("moica-wang"), "moica").error, "");
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::CertUntrusted);
    EXPECT_EQ(result.profileId, "moica");
}

TEST_F(OpenSslCertificateValidatorTest, NeverChainsAG2CardThroughTheSameNamedG3Ca)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.intermediates = { readFile(pki.ca("moica-g3").cert) };
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::CertUntrusted);
    EXPECT_NE(result.detail.find("no path"), std::string::npos) << result.detail;
    EXPECT_FALSE(validate("moica-g3-kao").error.has_value());
}

TEST_F(OpenSslCertificateValidatorTest, NeverChainsAG3CardThroughTheSameNamedG2Ca)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.intermediates = { readFile(pki.ca("moica-g2").cert) };
    rebuild();
    EXPECT_EQ(codeOf(validate("moica-g3-kao")), ErrorCode::CertUntrusted);
    EXPECT_FALSE(validate("moica-wang").error.has_value());
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACardOfTheGovernmentTestCaByItsIssuerKeyIdentifier)
{
    const auto result = validate("moica-testca");
    EXPECT_EQ(codeOf(result), ErrorCode::CertUntrusted);
    EXPECT_NE(result.detail.find("issued by a test CA"), std::string::npos) << result.detail;
    // It chains to the same roots and carries the production policy: only the key id tells.
    EXPECT_EQ(card("moica-testca").policies, std::vector<std::string> { "2.16.886.101.0.3.3" });
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACardNoProfileClaims)
{
    profiles = { profileNamed(profiles, "gca") };
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::CertUntrusted);
    EXPECT_EQ(result.profileId, "");
    EXPECT_NE(result.detail.find(pki.ca("moica-g2").ski), std::string::npos) << result.detail;
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACertificateWithoutAuthorityKeyIdentifier)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.erase(spec.extensions.begin() + 3); // authorityKeyIdentifier
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    ASSERT_EQ(view.authorityKeyId, "");
    EXPECT_EQ(codeOf(validator->validate(view, options())), ErrorCode::CertUntrusted);
}

TEST_F(OpenSslCertificateValidatorTest,
    RefusesACertificateThatClaimsTheIssuerKeyButIsSignedByAnotherKey)
{
    // Issued under moica-g3's key but with moica-g2's key identifier as AKI.
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.erase(spec.extensions.begin() + 3); // keyid:always would name moica-g3
    spec.extensions.emplace_back(
        "authorityKeyIdentifier", "DER:30:16:80:14:" + [&] {
            std::string hex;
            const auto& ski = pki.ca("moica-g2").ski;
            for (std::size_t i = 0; i < ski.size(); i += 2)
                hex += (i ? ":" : "") + ski.substr(i, 2);
            return hex;
        }());
    const auto minted = mint(dir.path(), pki.ca("moica-g3").cert, pki.ca("moica-g3").key, spec);
    const auto view = validator->parse(minted.der);
    ASSERT_EQ(view.authorityKeyId, pki.ca("moica-g2").ski);
    const auto result = validator->validate(view, options());
    EXPECT_EQ(codeOf(result), ErrorCode::CertUntrusted);
    EXPECT_NE(result.detail.find("signature"), std::string::npos) << result.detail;
}

// --- validity ----------------------------------------------------------------------

TEST_F(OpenSslCertificateValidatorTest, RefusesAnExpiredCardAsExpiredNotAsAChainError)
{
    const auto result = validate("moica-expired");
    EXPECT_EQ(codeOf(result), ErrorCode::CertExpired);
    EXPECT_EQ(result.path.size(), 3u);
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACardThatIsNotYetValid)
{
    EXPECT_EQ(codeOf(validate("moica-notyet")), ErrorCode::CertNotYetValid);
}

TEST_F(OpenSslCertificateValidatorTest, JudgesValidityAtTheTimeTheOptionsGive)
{
    const auto view = card("moica-wang");
    auto o = options(false);
    o.at = view.notBefore - 1;
    EXPECT_EQ(codeOf(validator->validate(view, o)), ErrorCode::CertNotYetValid);
    o.at = view.notBefore;
    EXPECT_FALSE(validator->validate(view, o).error.has_value());
    o.at = view.notAfter;
    EXPECT_FALSE(validator->validate(view, o).error.has_value());
    o.at = view.notAfter + 1;
    EXPECT_EQ(codeOf(validator->validate(view, o)), ErrorCode::CertExpired);
    // Inside the expired card's own validity its CA did not exist yet: every certificate in
    // the path is judged, not only the leaf.
    auto expired = card("moica-expired");
    o.at = expired.notBefore + 86400;
    const auto result = validator->validate(expired, o);
    EXPECT_EQ(codeOf(result), ErrorCode::CertNotYetValid);
    EXPECT_NE(result.detail.find("CA certificate"), std::string::npos) << result.detail;
}

TEST_F(OpenSslCertificateValidatorTest, ChecksTheValidityOfTheCaCertificatesInThePathToo)
{
    const auto caNotAfter = validator->parse(certificateDer(pki.ca("moica-g2").cert)).notAfter;
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.notAfter = timeString(caNotAfter + 10 * 86400);
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    auto o = options(false);
    o.at = caNotAfter + 86400;
    const auto result = validator->validate(view, o);
    EXPECT_EQ(codeOf(result), ErrorCode::CertExpired);
    EXPECT_NE(result.detail.find("CA certificate"), std::string::npos) << result.detail;
}

// --- usage, policy, key strength ---------------------------------------------------

TEST_F(OpenSslCertificateValidatorTest, RefusesASigningCertificateWithoutDigitalSignature)
{
    EXPECT_EQ(codeOf(validate("moica-nodigsig")), ErrorCode::CertKeyUsage);
}

TEST_F(OpenSslCertificateValidatorTest, RefusesAnExtendedKeyUsageThatDoesNotAllowClientAuth)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.emplace_back("extendedKeyUsage", "emailProtection");
    EXPECT_EQ(codeOf(validator->validate(
                  validator->parse(mintFrom("moica-g2", spec).der), options(false))),
        ErrorCode::CertKeyUsage);
    // A server certificate with serverAuth only is no login card either.
    MintSpec server;
    server.extensions = goodCardExtensions();
    server.extensions.emplace_back("extendedKeyUsage", "serverAuth");
    EXPECT_EQ(codeOf(validator->validate(
                  validator->parse(mintFrom("moica-g2", server).der), options(false))),
        ErrorCode::CertKeyUsage);
}

TEST_F(OpenSslCertificateValidatorTest, AcceptsAnExtendedKeyUsageWithClientAuthOrAnyUsage)
{
    for (const std::string eku : { "clientAuth, emailProtection", "anyExtendedKeyUsage" }) {
        MintSpec spec;
        spec.serialHex = eku.size() > 20 ? "0E1" : "0E2";
        spec.extensions = goodCardExtensions();
        spec.extensions.emplace_back("extendedKeyUsage", eku);
        const auto result
            = validator->validate(validator->parse(mintFrom("moica-g2", spec).der), options(false));
        EXPECT_FALSE(result.error.has_value()) << eku << ": " << result.detail;
    }
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACertificateWithoutAnAllowedPolicy)
{
    MintSpec spec;
    spec.extensions = goodCardExtensions();
    spec.extensions.back() = { "certificatePolicies", "2.16.886.101.0.3.0" };
    EXPECT_EQ(codeOf(validator->validate(
                  validator->parse(mintFrom("moica-g2", spec).der), options(false))),
        ErrorCode::CertPolicy);
    spec.serialHex = "0D0";
    spec.extensions.pop_back();
    EXPECT_EQ(codeOf(validator->validate(
                  validator->parse(mintFrom("moica-g2", spec).der), options(false))),
        ErrorCode::CertPolicy);
}

TEST_F(OpenSslCertificateValidatorTest, RefusesAnRsaKeyBelow2048Bits)
{
    const auto result = validate("moica-rsa1024");
    EXPECT_EQ(codeOf(result), ErrorCode::CertPolicy);
    EXPECT_EQ(result.detail, "RSA key below 2048 bits");
}

TEST_F(OpenSslCertificateValidatorTest, RefusesEcCurvesOtherThanP256AndP384)
{
    MintSpec spec;
    spec.keyType = "ec:P-521";
    spec.extensions = goodCardExtensions();
    const auto result
        = validator->validate(validator->parse(mintFrom("moica-g2", spec).der), options(false));
    EXPECT_EQ(codeOf(result), ErrorCode::CertPolicy);
    EXPECT_NE(result.detail.find("secp521r1"), std::string::npos) << result.detail;
    spec.keyType = "ec:P-384";
    spec.serialHex = "0EC384";
    EXPECT_FALSE(
        validator->validate(validator->parse(mintFrom("moica-g2", spec).der), options(false))
            .error);
}

TEST_F(OpenSslCertificateValidatorTest, ReportsTheFirstFailingCheckInSpecOrder)
{
    // Without digitalSignature and without policy, valid for ten days.
    MintSpec spec;
    spec.notAfter = timeString(frozenNow() + 10 * 86400);
    spec.extensions = { { "keyUsage", "critical, keyEncipherment" },
        { "subjectKeyIdentifier", "hash" }, { "authorityKeyIdentifier", "keyid:always" } };
    const auto view = validator->parse(mintFrom("moica-g2", spec).der);
    auto o = options();
    o.at = frozenNow() + 20 * 86400;
    EXPECT_EQ(codeOf(validator->validate(view, o)), ErrorCode::CertExpired);
    EXPECT_EQ(codeOf(validator->validate(view, options())), ErrorCode::CertKeyUsage);
    spec.serialHex = "0F1";
    spec.extensions[0] = { "keyUsage", "critical, digitalSignature" };
    EXPECT_EQ(
        codeOf(validator->validate(validator->parse(mintFrom("moica-g2", spec).der), options())),
        ErrorCode::CertPolicy);
}

// --- revocation by CRL -------------------------------------------------------------

TEST_F(OpenSslCertificateValidatorTest, RefusesARevokedCardWithTheDateAndReasonFromTheCrl)
{
    const auto result = validate("moica-revoked");
    EXPECT_EQ(codeOf(result), ErrorCode::CertRevoked);
    EXPECT_EQ(result.revocation.status, Status::Revoked);
    EXPECT_EQ(result.revocation.method, "crl");
    EXPECT_EQ(result.revocation.reason, "keyCompromise");
    EXPECT_GT(result.revocation.revokedAt, frozenNow() - 7 * 86400);
    EXPECT_LE(result.revocation.revokedAt, frozenNow());
}

TEST_F(OpenSslCertificateValidatorTest, TreatsAStaleCrlAsUnknownAndTriesTheDistributionPoint)
{
    clock.set(crlNextUpdate(pki.ca("moica-g2").crl) + 1);
    const auto view = card("moica-wang");
    auto o = options();
    o.at = view.notBefore + 86400; // the card itself is still valid
    const auto result = validator->validate(view, o);
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_EQ(result.revocation.status, Status::Unknown);
    EXPECT_NE(result.revocation.detail.find("stale"), std::string::npos)
        << result.revocation.detail;
    EXPECT_EQ(fetcher->count(caField("moica-g2", "crlUrl")), 1);
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACrlSignedByTheSameNamedCaOfAnotherGeneration)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles = { readFile(pki.ca("moica-g3").crl) };
    moica.revocation.crlFilePaths = { pki.ca("moica-g3").crl };
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_NE(
        result.revocation.detail.find("issued by key " + pki.ca("moica-g3").ski), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACrlOfAnotherCa)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles = { readFile(pki.ca("gca").crl) };
    moica.revocation.crlFilePaths = { pki.ca("gca").crl };
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("issued by another CA"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OpenSslCertificateValidatorTest, RefusesACrlWhoseSignatureDoesNotVerifyWithTheCaKey)
{
    auto crl = readFile(caField("moica-g2", "crlDer"));
    crl[crl.size() - 5] ^= 0x01; // inside the signature value
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles = { crl };
    moica.revocation.crlFilePaths = { "tampered.crl" };
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("signature does not verify"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OpenSslCertificateValidatorTest, AcceptsAnUncheckableCardWhenTheProfileFailsOpen)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles.clear();
    moica.revocation.crlFilePaths.clear();
    moica.revocation.failOpen = true;
    rebuild();
    const auto result = validate("moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.status, Status::Unknown);
    EXPECT_NE(result.revocation.detail.find("fails open"), std::string::npos);
}

TEST_F(OpenSslCertificateValidatorTest,
    FetchesTheCrlFromTheDistributionPointAndCachesItUntilNextUpdate)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles.clear();
    moica.revocation.crlFilePaths.clear();
    rebuild();
    const auto url = caField("moica-g2", "crlUrl");
    fetcher->serve(url, readFile(caField("moica-g2", "crlDer")));

    EXPECT_FALSE(validate("moica-wang").error.has_value());
    EXPECT_EQ(codeOf(validate("moica-revoked")), ErrorCode::CertRevoked);
    EXPECT_FALSE(validate("moica-lin").error.has_value());
    EXPECT_EQ(fetcher->count(url), 1) << "one download serves every card of the CA";

    clock.set(crlNextUpdate(pki.ca("moica-g2").crl));
    const auto view = card("moica-wang");
    auto o = options();
    EXPECT_EQ(codeOf(validator->validate(view, o)), ErrorCode::RevocationUnknown);
    EXPECT_EQ(fetcher->count(url), 2) << "past nextUpdate the CRL is fetched again";
}

TEST_F(OpenSslCertificateValidatorTest, FetchesFromTheProfilesCrlUrlsInsteadOfTheDistributionPoint)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles.clear();
    moica.revocation.crlFilePaths.clear();
    moica.revocation.crlUrls = { "http://crl.example.test/moica.crl" };
    rebuild();
    fetcher->serve(
        "http://crl.example.test/moica.crl", readFile(pki.ca("moica-g2").crl)); // PEM works too
    EXPECT_FALSE(validate("moica-wang").error.has_value());
    EXPECT_EQ(
        fetcher->requests(), std::vector<std::string> { "http://crl.example.test/moica.crl" });
}

TEST_F(OpenSslCertificateValidatorTest, TreatsAnHttpErrorOrGarbageFromTheCrlUrlAsUnknown)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles.clear();
    moica.revocation.crlFilePaths.clear();
    moica.revocation.crlUrls = { "http://crl.example.test/a.crl", "http://crl.example.test/b.crl" };
    rebuild();
    fetcher->serve("http://crl.example.test/a.crl", {}, 404);
    fetcher->serve("http://crl.example.test/b.crl", { 'x' });
    const auto result = validate("moica-wang");
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("HTTP status 404"), std::string::npos)
        << result.revocation.detail;
    EXPECT_NE(result.revocation.detail.find("not a CRL"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(
    OpenSslCertificateValidatorTest, UsesTheCrlOfTheRightGenerationWhenSameNamedCasBothPublishOne)
{
    // The moica profile lists moica-g2's CRL first; a G3 card must be judged by G3's.
    const auto result = validate("moica-g3-kao");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_NE(result.revocation.detail.find("moica-g3"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OpenSslCertificateValidatorTest, SkipsRevocationWhenNotAskedOrWhenTheModeIsNone)
{
    auto result = validator->validate(card("moica-revoked"), options(false));
    EXPECT_FALSE(result.error.has_value());
    EXPECT_EQ(result.revocation.status, Status::NotChecked);
    auto o = options();
    o.revocationOverride = core::RevocationMode::None;
    result = validator->validate(card("moica-revoked"), o);
    EXPECT_FALSE(result.error.has_value());
    EXPECT_EQ(result.revocation.status, Status::NotChecked);
    EXPECT_EQ(result.revocation.method, "none");
}

TEST_F(OpenSslCertificateValidatorTest, AsksTheResponderInTheCertificatesAiaWhenNoneIsPinned)
{
    auto o = options();
    o.revocationOverride = core::RevocationMode::Ocsp;
    fetcher->serve(caField("moica-g2", "ocspUrl"), { 0x30, 0x00 });
    const auto result = validator->validate(card("moica-wang"), o);
    EXPECT_EQ(codeOf(result), ErrorCode::RevocationUnknown);
    EXPECT_EQ(result.revocation.method, "ocsp");
    EXPECT_EQ(fetcher->requests(), std::vector<std::string> { caField("moica-g2", "ocspUrl") });
}

TEST_F(OpenSslCertificateValidatorTest, FallsBackToTheCrlWhenOcspIsInconclusive)
{
    auto o = options();
    o.revocationOverride = core::RevocationMode::OcspThenCrl;
    auto result = validator->validate(card("moica-wang"), o);
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.method, "crl");
    EXPECT_NE(result.revocation.detail.find("OCSP inconclusive"), std::string::npos);
    result = validator->validate(card("moica-revoked"), o);
    EXPECT_EQ(codeOf(result), ErrorCode::CertRevoked);
}

// --- construction and concurrency --------------------------------------------------

TEST_F(
    OpenSslCertificateValidatorTest, RefusesAProfileWithAnUnreadableTrustAnchorNamingProfileAndFile)
{
    auto& moica = profileNamed(profiles, "moica");
    moica.trustAnchors[1] = { 'g', 'a', 'r', 'b', 'a', 'g', 'e' };
    try {
        rebuild();
        FAIL() << "constructed";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'moica'"), std::string::npos) << what;
        EXPECT_NE(what.find(moica.trustAnchorPaths[1]), std::string::npos) << what;
    }
}

TEST_F(OpenSslCertificateValidatorTest, RefusesProfilesThatAreAmbiguousOrIncomplete)
{
    auto base = profiles;
    profileNamed(profiles, "gca").issuerKeyIds.push_back(pki.ca("moica-g2").ski);
    EXPECT_THROW(rebuild(), std::runtime_error);
    profiles = base;
    profileNamed(profiles, "gca").trustAnchors.clear();
    EXPECT_THROW(rebuild(), std::runtime_error);
    profiles = base;
    profileNamed(profiles, "gca").issuerKeyIds.push_back("not hex");
    EXPECT_THROW(rebuild(), std::runtime_error);
    profiles = base;
    profileNamed(profiles, "gca").revocation.crlFiles.push_back({ 'x' });
    EXPECT_THROW(rebuild(), std::runtime_error);
    profiles = base;
    profiles.push_back(profiles.front());
    EXPECT_THROW(rebuild(), std::runtime_error);
    profiles = base;
    EXPECT_NO_THROW(rebuild());
}

TEST_F(OpenSslCertificateValidatorTest, AcceptsKeyIdentifiersWrittenWithColonsOrInLowerCase)
{
    auto& moica = profileNamed(profiles, "moica");
    std::string ski = pki.ca("moica-g2").ski;
    std::string written;
    for (std::size_t i = 0; i < ski.size(); i += 2)
        written += (i ? ":" : "")
            + std::string { static_cast<char>(std::tolower(ski[i])),
                  static_cast<char>(std::tolower(ski[i + 1])) };
    moica.issuerKeyIds = { written };
    rebuild();
    EXPECT_FALSE(validate("moica-wang").error.has_value());
}

TEST_F(
    OpenSslCertificateValidatorTest, GivesTheSameAnswersWhateverTheSizeOfTheDecodedCertificateCache)
{
    const std::vector<std::string> names { "moica-wang", "moica-revoked", "moica-expired",
        "gca-moi", "moica-testca", "moica-wang" };
    for (const std::size_t entries : { std::size_t { 0 }, std::size_t { 2 } }) {
        OpenSslCertificateValidator small(profiles, clock, fetcher, entries);
        for (const auto& name : names) {
            const auto der = certificateDer(pki.card(name).signCert);
            const auto expected = validator->validate(validator->parse(der), options());
            const auto actual = small.validate(small.parse(der), options());
            EXPECT_EQ(actual.error, expected.error) << name << " with " << entries << " entries";
            EXPECT_EQ(actual.path, expected.path) << name;
        }
        auto der = certificateDer(pki.card("moica-wang").signCert);
        der.push_back(0);
        EXPECT_THROW(small.parse(der), core::Error);
    }
}

TEST_F(OpenSslCertificateValidatorTest, ValidatesFromManyThreadsAtOnce)
{
    const std::vector<std::string> names { "moica-wang", "moica-revoked", "gca-moi",
        "moica-g3-kao" };
    std::vector<plugin::CertificateView> views;
    for (const auto& name : names)
        views.push_back(card(name));
    std::atomic<int> wrong { 0 };
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 40; ++i) {
                const auto& view = views[static_cast<std::size_t>(t + i) % views.size()];
                const auto result = validator->validate(view, options());
                const bool revoked = view.serialHex == pki.card("moica-revoked").serial;
                if (revoked != (result.error == ErrorCode::CertRevoked)
                    || (!revoked && result.error))
                    ++wrong;
            }
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(wrong.load(), 0);
}

} // namespace
} // namespace certgate::x509
