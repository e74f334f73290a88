// HiPKI's PKCS7 through OpenSslCertificateValidator (docs/token-hipki.md): the signer
// certificate taken from the CMS, then CMS_verify with the validated certificate only, and the
// signed content compared with the server's text. The CMS blobs are made with OpenSSL's
// CMS_sign over the test cards' key files (the HiPKI double makes the same ones on SoftHSM2).
#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/test/HipkiSignatures.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace certgate::x509 {
namespace {

using certgate::test::TempDir;
using certgate::test::TestPki;
using core::ErrorCode;
using namespace certgate::x509::test;
namespace hipki = certgate::test::hipki;

const std::string kText
    = "certgate-hipki-1~https~portal.example.gov.tw~~first-registration~"
      "organisation~20261207T010203Z~q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR1U";

class CmsSignatureTest : public ::testing::Test {
protected:
    const TestPki& pki = TestPki::get();
    core::ManualClock clock { frozenNow() };
    OpenSslCertificateValidator validator { testPkiProfiles(), clock,
        std::make_shared<FakeFetcher>() };
    PrivateKey wangKey = readPrivateKey(pki.card("moica-wang").signKey);
    Certificate wang = readCertificate(pki.card("moica-wang").signCert);
    PrivateKey chenKey = readPrivateKey(pki.card("moica-chen").signKey);
    Certificate chen = readCertificate(pki.card("moica-chen").signCert);

    core::Bytes byWang(const hipki::Pkcs7Options& options = {}, const std::string& text = kText)
    {
        return hipki::makePkcs7(wangKey.get(), wang.get(), text, options);
    }
    plugin::CertificateView view(X509* certificate)
    {
        return validator.parse(hipki::certificateDer(certificate));
    }
    /// What the server does: the signer certificate out of the CMS, then the signature with it.
    void verify(const core::Bytes& cms, const std::string& text = kText)
    {
        const auto signer = validator.parse(validator.cmsSignerCertificate(cms));
        validator.verifyCmsSignature(signer, cms,
            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
};

TEST_F(CmsSignatureTest, AcceptsHipkisShapeEncapsulatedWithSignedAttributesNonceAndCardNumber)
{
    hipki::Pkcs7Options options;
    options.nonce = "1234567890";
    options.cardSerialNumber = "TP03000000000001";
    EXPECT_NO_THROW(verify(byWang(options)));
}

TEST_F(CmsSignatureTest, TheSignerCertificateIsTheOneTheCmsNamesAndCarries)
{
    EXPECT_EQ(validator.cmsSignerCertificate(byWang()), hipki::certificateDer(wang.get()));
}

TEST_F(CmsSignatureTest, AcceptsADetachedSignatureOverTheText)
{
    hipki::Pkcs7Options options;
    options.detached = true;
    EXPECT_NO_THROW(verify(byWang(options)));
}

TEST_F(CmsSignatureTest, AcceptsASignatureWithoutSignedAttributesThatCoversTheTextItself)
{
    hipki::Pkcs7Options options;
    options.signedAttributes = false;
    EXPECT_NO_THROW(verify(byWang(options)));
}

TEST_F(CmsSignatureTest, AcceptsSha384AndSha512Digests)
{
    hipki::Pkcs7Options options;
    options.digest = EVP_sha384();
    EXPECT_NO_THROW(verify(byWang(options)));
    options.digest = EVP_sha512();
    EXPECT_NO_THROW(verify(byWang(options)));
}

TEST_F(CmsSignatureTest, RefusesEncapsulatedContentOtherThanTheText)
{
    auto cms = byWang({}, kText + "~x");
    EXPECT_EQ(refusal([&] { verify(cms); }), ErrorCode::SignatureInvalid);
    EXPECT_EQ(refusal([&] { verify(byWang({}, "")); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesADetachedSignatureOverOtherContent)
{
    hipki::Pkcs7Options options;
    options.detached = true;
    auto cms = byWang(options, kText.substr(0, kText.size() - 1) + "V");
    EXPECT_EQ(refusal([&] { verify(cms); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesTheSignatureWithAnyCertificateButTheSigners)
{
    auto cms = byWang();
    const auto text = std::span(reinterpret_cast<const std::uint8_t*>(kText.data()), kText.size());
    EXPECT_EQ(refusal([&] { validator.verifyCmsSignature(view(chen.get()), cms, text); }),
        ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesACmsThatCarriesAnotherCardsCertificateInPlaceOfTheSigners)
{
    hipki::Pkcs7Options options;
    options.includeSignerCertificate = false;
    options.otherCertificates = { chen.get() };
    auto cms = byWang(options);
    EXPECT_EQ(refusal([&] { validator.cmsSignerCertificate(cms); }), ErrorCode::MalformedToken);
}

TEST_F(CmsSignatureTest, RefusesACertificateSwappedInWithTheSignersIssuerAndSerialButAnotherKey)
{
    // The signer identifier (issuer + serial) now names a certificate with another key.
    TempDir dir;
    MintSpec spec;
    spec.subject = "/C=TW/CN=certgate swapped certificate";
    spec.serialHex = pki.card("moica-wang").serial;
    spec.extensions = goodCardExtensions();
    auto impostor = mint(dir.path(), pki.ca("moica-g2").cert, pki.ca("moica-g2").key, spec);
    Certificate swapped = readCertificate(impostor.certPath);
    hipki::Pkcs7Options options;
    options.includeSignerCertificate = false;
    options.otherCertificates = { swapped.get() };
    auto cms = byWang(options);
    EXPECT_EQ(validator.cmsSignerCertificate(cms), impostor.der);
    EXPECT_EQ(refusal([&] { verify(cms); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, CarriedChainCertificatesAreIgnoredBesideTheSigners)
{
    Certificate ca = readCertificate(pki.ca("moica-g2").cert);
    hipki::Pkcs7Options options;
    options.otherCertificates = { ca.get() };
    auto cms = byWang(options);
    EXPECT_EQ(validator.cmsSignerCertificate(cms), hipki::certificateDer(wang.get()));
    EXPECT_NO_THROW(verify(cms));
}

TEST_F(CmsSignatureTest, RefusesASha1Digest)
{
    hipki::Pkcs7Options options;
    options.digest = EVP_sha1();
    EXPECT_EQ(refusal([&] { verify(byWang(options)); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesAWrongMessageDigestEvenWhenTheAttributesAreValidlySigned)
{
    hipki::Pkcs7Options options;
    options.messageDigest = core::Bytes(32, 0x5a);
    EXPECT_EQ(refusal([&] { verify(byWang(options)); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesSignedAttributesWithoutAMessageDigest)
{
    hipki::Pkcs7Options options;
    options.dropMessageDigest = true;
    EXPECT_EQ(refusal([&] { verify(byWang(options)); }), ErrorCode::SignatureInvalid);
}

TEST_F(CmsSignatureTest, RefusesExtraSigners)
{
    hipki::Pkcs7Options options;
    options.extraSigners = { { chenKey.get(), chen.get() } };
    auto cms = byWang(options);
    EXPECT_EQ(refusal([&] { validator.cmsSignerCertificate(cms); }), ErrorCode::MalformedToken);
    EXPECT_EQ(refusal([&] {
        validator.verifyCmsSignature(view(wang.get()), cms,
            std::span(reinterpret_cast<const std::uint8_t*>(kText.data()), kText.size()));
    }),
        ErrorCode::MalformedToken);
}

TEST_F(CmsSignatureTest, RefusesWhatIsNotOneDerSignedData)
{
    auto cms = byWang();
    auto trailing = cms;
    trailing.push_back(0);
    EXPECT_EQ(
        refusal([&] { validator.cmsSignerCertificate(trailing); }), ErrorCode::MalformedToken);
    EXPECT_EQ(refusal([&] {
        validator.cmsSignerCertificate(core::Bytes { 0x30, 0x03, 1, 2, 3 });
    }),
        ErrorCode::MalformedToken);
    core::Bytes truncated(cms.begin(), cms.begin() + static_cast<long>(cms.size() / 2));
    EXPECT_EQ(
        refusal([&] { validator.cmsSignerCertificate(truncated); }), ErrorCode::MalformedToken);
    // A certificate is DER too, but not a ContentInfo.
    EXPECT_EQ(refusal([&] { validator.cmsSignerCertificate(hipki::certificateDer(wang.get())); }),
        ErrorCode::MalformedToken);
}

} // namespace
} // namespace certgate::x509
