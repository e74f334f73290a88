#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace certgate::x509 {
namespace {

using certgate::test::TempDir;
using certgate::test::TestPki;
using core::ErrorCode;
using namespace certgate::x509::test;

const std::string kOrigin = "https://portal.example.gov.tw";
const std::string kNonce = "q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR1U=";

// verifySignature of OpenSslCertificateValidator: the challenge signatures of SPEC §5.
class VerifySignatureTest : public ::testing::Test {
protected:
    const TestPki& pki = TestPki::get();
    core::ManualClock clock { frozenNow() };
    OpenSslCertificateValidator validator { testPkiProfiles(), clock,
        std::make_shared<FakeFetcher>() };
    const core::Bytes data = challenge(kOrigin, kNonce);

    plugin::CertificateView card(const std::string& name)
    {
        return validator.parse(certificateDer(pki.card(name).signCert));
    }
    core::Bytes signedBy(const std::string& name, std::string_view algorithm)
    {
        return sign(pki.card(name).signKey, algorithm, data);
    }
};

TEST_F(VerifySignatureTest, AcceptsAnRs256SignatureOverOriginAndNonce)
{
    EXPECT_NO_THROW(validator.verifySignature(
        card("moica-wang"), "RS256", data, signedBy("moica-wang", "RS256")));
}

TEST_F(VerifySignatureTest, AcceptsAPs256SignatureWithSha256Mgf1AndDigestLengthSalt)
{
    EXPECT_NO_THROW(validator.verifySignature(
        card("moica-wang"), "PS256", data, signedBy("moica-wang", "PS256")));
}

TEST_F(VerifySignatureTest, AcceptsAnEs256SignatureGivenAsRawRAndS)
{
    const auto signature = signedBy("moica-ecdsa", "ES256");
    ASSERT_EQ(signature.size(), 64u);
    EXPECT_NO_THROW(validator.verifySignature(card("moica-ecdsa"), "ES256", data, signature));
}

TEST_F(VerifySignatureTest, AcceptsAnEs384SignatureFromAP384Key)
{
    TempDir dir;
    MintSpec spec;
    spec.keyType = "ec:P-384";
    spec.extensions = goodCardExtensions();
    const auto minted = mint(dir.path(), pki.ca("moica-g2").cert, pki.ca("moica-g2").key, spec);
    const auto signature = sign(minted.keyPath, "ES384", data);
    ASSERT_EQ(signature.size(), 96u);
    EXPECT_NO_THROW(
        validator.verifySignature(validator.parse(minted.der), "ES384", data, signature));
    EXPECT_EQ(refusal([&] {
        validator.verifySignature(validator.parse(minted.der), "ES256", data, signature);
    }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesASignatureOverOtherData)
{
    const auto signature = signedBy("moica-wang", "RS256");
    const auto otherOrigin = challenge("https://evil.example", kNonce);
    EXPECT_EQ(refusal([&] {
        validator.verifySignature(card("moica-wang"), "RS256", otherOrigin, signature);
    }),
        ErrorCode::SignatureInvalid);
    const auto ecdsa = signedBy("moica-ecdsa", "ES256");
    const auto otherNonce = challenge(kOrigin, "another nonce");
    EXPECT_EQ(refusal([&] {
        validator.verifySignature(card("moica-ecdsa"), "ES256", otherNonce, ecdsa);
    }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesASignatureByAnotherCardsKey)
{
    const auto signature = signedBy("moica-lin", "RS256");
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-wang"), "RS256", data, signature); }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesAnAlgorithmThatDoesNotFitTheKey)
{
    const auto rsa = signedBy("moica-wang", "RS256");
    const auto ecdsa = signedBy("moica-ecdsa", "ES256");
    EXPECT_EQ(refusal([&] { validator.verifySignature(card("moica-wang"), "ES256", data, rsa); }),
        ErrorCode::SignatureInvalid);
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-ecdsa"), "RS256", data, ecdsa); }),
        ErrorCode::SignatureInvalid);
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-ecdsa"), "ES384", data, ecdsa); }),
        ErrorCode::SignatureInvalid);
    // RS256 and PS256 are not interchangeable.
    EXPECT_EQ(refusal([&] { validator.verifySignature(card("moica-wang"), "PS256", data, rsa); }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesAnUnknownAlgorithm)
{
    const auto rsa = signedBy("moica-wang", "RS256");
    for (const std::string algorithm : { "HS256", "rs256", "", "RS512" })
        EXPECT_EQ(
            refusal([&] { validator.verifySignature(card("moica-wang"), algorithm, data, rsa); }),
            ErrorCode::SignatureInvalid)
            << algorithm;
}

TEST_F(VerifySignatureTest, RefusesATruncatedOrDerEncodedEcdsaSignature)
{
    auto raw = signedBy("moica-ecdsa", "ES256");
    auto truncated = raw;
    truncated.pop_back();
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-ecdsa"), "ES256", data, truncated); }),
        ErrorCode::SignatureInvalid);
    auto longer = raw;
    longer.push_back(0);
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-ecdsa"), "ES256", data, longer); }),
        ErrorCode::SignatureInvalid);
    // R and S swapped.
    core::Bytes swapped(raw.begin() + 32, raw.end());
    swapped.insert(swapped.end(), raw.begin(), raw.begin() + 32);
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-ecdsa"), "ES256", data, swapped); }),
        ErrorCode::SignatureInvalid);
    EXPECT_EQ(refusal([&] { validator.verifySignature(card("moica-ecdsa"), "ES256", data, {}); }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesAnRsaSignatureOfTheWrongLength)
{
    auto signature = signedBy("moica-wang", "RS256");
    signature.pop_back();
    EXPECT_EQ(
        refusal([&] { validator.verifySignature(card("moica-wang"), "RS256", data, signature); }),
        ErrorCode::SignatureInvalid);
}

TEST_F(VerifySignatureTest, RefusesAnRsaKeyBelow2048BitsEvenWithAGoodSignature)
{
    const auto signature = signedBy("moica-rsa1024", "RS256");
    EXPECT_EQ(refusal([&] {
        validator.verifySignature(card("moica-rsa1024"), "RS256", data, signature);
    }),
        ErrorCode::CertPolicy);
}

} // namespace
} // namespace certgate::x509
