#include <certgate/agent/CertificateInfo.hpp>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

using namespace certgate::agent;

namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

/// A certificate made here, so the test knows every fact it should read back.
std::unique_ptr<X509, X509Free> makeCertificate(const char* keyUsage, const char* serialHex)
{
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    std::unique_ptr<X509, X509Free> cert(X509_new());
    X509_set_version(cert.get(), 2);
    BIGNUM* serial = nullptr;
    BN_hex2bn(&serial, serialHex);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
    BN_free(serial);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(
        name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("TW"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("王大明"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>("7236733072467507"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    ASN1_TIME_set_string_X509(X509_getm_notBefore(cert.get()), "20260101000000Z");
    ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), "20281231235959Z");
    X509_set_pubkey(cert.get(), key.get());
    if (keyUsage) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, keyUsage);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(cert.get(), key.get(), EVP_sha256());
    return cert;
}

} // namespace

TEST(CertificateInfoTest, ASigningCertificateIsDescribedAsTheServerShowsIt)
{
    auto cert = makeCertificate("critical,digitalSignature,nonRepudiation", "004E1ED6E1614E4656");
    auto info = describeCertificate(cert.get(), "01", "signature");
    EXPECT_EQ(info.id, "01");
    EXPECT_EQ(info.label, "signature");
    EXPECT_EQ(info.serialNumber, "4E1ED6E1614E4656");
    EXPECT_EQ(info.subject, "serialNumber=7236733072467507,CN=王大明,C=TW");
    EXPECT_EQ(info.issuer, info.subject);
    EXPECT_EQ(info.notBefore, "2026-01-01T00:00:00Z");
    EXPECT_EQ(info.notAfter, "2028-12-31T23:59:59Z");
    EXPECT_EQ(info.keyUsage, (std::vector<std::string> { "digitalSignature", "nonRepudiation" }));
    EXPECT_TRUE(info.signing);
}

TEST(CertificateInfoTest, AnEncryptionCertificateIsNotForSigning)
{
    auto cert = makeCertificate("critical,keyEncipherment,dataEncipherment", "0A");
    auto info = describeCertificate(cert.get(), "02", "encryption");
    EXPECT_EQ(info.serialNumber, "A");
    EXPECT_EQ(info.keyUsage, (std::vector<std::string> { "keyEncipherment", "dataEncipherment" }));
    EXPECT_FALSE(info.signing);
}

TEST(CertificateInfoTest, ACertificateWithoutKeyUsageIsNotForSigning)
{
    auto cert = makeCertificate(nullptr, "01");
    auto info = describeCertificate(cert.get(), "03", "");
    EXPECT_TRUE(info.keyUsage.empty());
    EXPECT_FALSE(info.signing);
}

TEST(CertificateInfoTest, TheDerRoundTrips)
{
    auto cert = makeCertificate("digitalSignature", "1234");
    auto info = describeCertificate(cert.get(), "01", "signature");
    auto again = describeCertificateDer(info.der, "01", "signature");
    EXPECT_EQ(again.der, info.der);
    EXPECT_EQ(again.serialNumber, "1234");
    EXPECT_THROW(describeCertificateDer({ 0x30, 0x03, 0x01 }, "01", ""), std::runtime_error);
}
