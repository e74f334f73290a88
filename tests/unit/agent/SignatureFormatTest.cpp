#include <certgate/agent/SignatureFormat.hpp>

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

using namespace certgate::agent;

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

Bytes sha256(const std::string& text)
{
    Bytes out(SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
    return out;
}

Bytes derSign(EVP_PKEY* key, const Bytes& data)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t size = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, data.data(), data.size()), 1);
    Bytes sig(size);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &size, data.data(), data.size()), 1);
    sig.resize(size);
    return sig;
}

bool derVerify(EVP_PKEY* key, const Bytes& data, const Bytes& sig)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
    return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

} // namespace

TEST(SignatureFormatTest, SignedDataIsTheTwoSha256DigestsOfOriginAndNonce)
{
    auto data = signedData("https://portal.certgate.test:8443", "bm9uY2U=");
    ASSERT_EQ(data.size(), 64u);
    auto first = sha256("https://portal.certgate.test:8443");
    auto second = sha256("bm9uY2U=");
    EXPECT_EQ(Bytes(data.begin(), data.begin() + 32), first);
    EXPECT_EQ(Bytes(data.begin() + 32, data.end()), second);
    EXPECT_NE(signedData("https://evil.test", "bm9uY2U="), data);
}

TEST(SignatureFormatTest, EcdsaDerBecomesFixedLengthRawAndBackAndStillVerifies)
{
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    ASSERT_TRUE(key);
    auto data = signedData("https://a.test", "AAAAAAAAAAAAAAAAAAAAAA==");
    for (int i = 0; i < 20; ++i) { // some R or S will be shorter than 32 bytes now and then
        auto der = derSign(key.get(), data);
        auto raw = ecdsaDerToRaw(der, 32);
        ASSERT_EQ(raw.size(), 64u);
        auto back = ecdsaRawToDer(raw);
        EXPECT_EQ(back, der);
        EXPECT_TRUE(derVerify(key.get(), data, back));
    }
}

TEST(SignatureFormatTest, ShortComponentsAreLeftPadded)
{
    Bytes raw(96, 0);
    raw[47] = 0x05; // R = 5
    raw[95] = 0x07; // S = 7
    auto der = ecdsaRawToDer(raw);
    EXPECT_EQ(der, (Bytes { 0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07 }));
    EXPECT_EQ(ecdsaDerToRaw(der, 48), raw);
}

TEST(SignatureFormatTest, MalformedSignaturesAreRefused)
{
    EXPECT_THROW(ecdsaDerToRaw({ 0x30, 0x01 }, 32), std::invalid_argument);
    Bytes tooLong(66, 0x7f);
    tooLong[0] = 0x01;
    EXPECT_THROW(ecdsaDerToRaw(ecdsaRawToDer(tooLong), 32), std::invalid_argument);
    EXPECT_THROW(ecdsaRawToDer({ 1, 2, 3 }), std::invalid_argument);
    EXPECT_THROW(ecdsaRawToDer({}), std::invalid_argument);
}
