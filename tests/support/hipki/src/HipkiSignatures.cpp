#include <certgate/test/HipkiSignatures.hpp>

#include <Poco/JSON/Object.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>

#include <memory>
#include <sstream>
#include <stdexcept>

namespace certgate::test::hipki {
namespace {

template <auto Free> struct Deleter {
    template <class T> void operator()(T* p) const { Free(p); }
};
using Cms = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

[[noreturn]] void fail(const std::string& what)
{
    char reason[256] = "no OpenSSL reason";
    if (auto e = ERR_get_error())
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error(what + ": " + reason);
}

Bio contentBio(std::string_view content)
{
    Bio bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!bio)
        fail("BIO_new_mem_buf");
    return bio;
}

void addStringAttribute(CMS_SignerInfo* signer, const char* oid, const std::string& value)
{
    // HiPKI's string types are not known ([inf]); PrintableString suits digits and letters.
    if (CMS_signed_add1_attr_by_txt(signer, oid, V_ASN1_PRINTABLESTRING,
            reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()))
        != 1)
        fail(std::string("adding signed attribute ") + oid);
}

using Pkcs7 = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;

Bytes toBytes(unsigned char* der, int length)
{
    if (length <= 0)
        fail("DER encoding");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

/// A SignedData whose messageDigest attribute is gone or wrong but whose signature over the
/// attributes is valid. CMS_SignerInfo_sign refuses to sign such attributes, so this one is
/// made with the PKCS#7 API (the same DER), whose PKCS7_SIGNER_INFO_sign signs them as they are.
Bytes alteredDigest(
    EVP_PKEY* key, X509* certificate, std::string_view content, const Pkcs7Options& options)
{
    auto data = contentBio(content);
    Pkcs7 p7(PKCS7_sign(certificate, key, nullptr, data.get(), PKCS7_BINARY | PKCS7_NOSMIMECAP));
    if (!p7)
        fail("PKCS7_sign");
    PKCS7_SIGNER_INFO* signer = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7.get()), 0);
    const int at = X509at_get_attr_by_NID(signer->auth_attr, NID_pkcs9_messageDigest, -1);
    if (at < 0)
        fail("no messageDigest to replace");
    X509_ATTRIBUTE_free(X509at_delete_attr(signer->auth_attr, at));
    if (options.messageDigest) {
        ASN1_OCTET_STRING* digest = ASN1_OCTET_STRING_new();
        if (!digest
            || ASN1_OCTET_STRING_set(digest, options.messageDigest->data(),
                   static_cast<int>(options.messageDigest->size()))
                != 1
            || PKCS7_add_signed_attribute(
                   signer, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest)
                != 1)
            fail("adding messageDigest");
    }
    if (PKCS7_SIGNER_INFO_sign(signer) != 1)
        fail("PKCS7_SIGNER_INFO_sign");
    unsigned char* der = nullptr;
    const int length = i2d_PKCS7(p7.get(), &der);
    return toBytes(der, length);
}

} // namespace

Bytes makePkcs7(
    EVP_PKEY* key, X509* certificate, std::string_view content, const Pkcs7Options& options)
{
    if (options.dropMessageDigest || options.messageDigest)
        return alteredDigest(key, certificate, content, options);
    const unsigned base = CMS_BINARY | CMS_PARTIAL | (options.detached ? CMS_DETACHED : 0u);
    Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, base));
    if (!cms)
        fail("CMS_sign");
    const EVP_MD* digest = options.digest ? options.digest : EVP_sha256();
    const unsigned signerFlags = CMS_PARTIAL | CMS_NOSMIMECAP
        | (options.signedAttributes ? 0u : CMS_NOATTR)
        | (options.includeSignerCertificate ? 0u : CMS_NOCERTS);
    CMS_SignerInfo* signer = CMS_add1_signer(cms.get(), certificate, key, digest, signerFlags);
    if (!signer)
        fail("CMS_add1_signer");
    if (options.nonce)
        addStringAttribute(signer, "1.2.840.113549.1.9.25.3", *options.nonce);
    if (options.cardSerialNumber)
        addStringAttribute(signer, "2.16.886.1.100.2.204", *options.cardSerialNumber);
    for (const auto& [extraKey, extraCertificate] : options.extraSigners)
        if (!CMS_add1_signer(cms.get(), extraCertificate, extraKey, digest, CMS_NOSMIMECAP))
            fail("CMS_add1_signer (extra)");
    for (X509* other : options.otherCertificates)
        if (CMS_add1_cert(cms.get(), other) != 1)
            fail("CMS_add1_cert");
    auto data = contentBio(content);
    if (CMS_final(cms.get(), data.get(), nullptr, base & ~static_cast<unsigned>(CMS_PARTIAL)) != 1)
        fail("CMS_final");
    unsigned char* der = nullptr;
    const int length = i2d_CMS_ContentInfo(cms.get(), &der);
    return toBytes(der, length);
}

Bytes makePkcs1(EVP_PKEY* key, std::string_view content, const EVP_MD* digest)
{
    MdCtx context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* keyContext = nullptr;
    std::size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(content.data());
    if (!context || EVP_DigestSignInit(context.get(), &keyContext, digest, nullptr, key) != 1
        || EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) != 1
        || EVP_DigestSign(context.get(), nullptr, &length, data, content.size()) != 1)
        fail("EVP_DigestSignInit");
    Bytes signature(length);
    if (EVP_DigestSign(context.get(), signature.data(), &length, data, content.size()) != 1)
        fail("EVP_DigestSign");
    signature.resize(length);
    return signature;
}

const EVP_MD* digestNamed(std::string_view name)
{
    if (name == "SHA1")
        return EVP_sha1();
    if (name == "SHA256")
        return EVP_sha256();
    if (name == "SHA384")
        return EVP_sha384();
    if (name == "SHA512")
        return EVP_sha512();
    return nullptr;
}

Bytes certificateDer(X509* certificate)
{
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate, &der);
    return toBytes(der, length);
}

std::string base64(const Bytes& bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

namespace {

std::string stringify(const Poco::JSON::Object& object)
{
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

} // namespace

std::string pkcs7Token(const Bytes& cms)
{
    Poco::JSON::Object token;
    token.set("format", "hipki-sign:1");
    token.set("signatureType", "PKCS7");
    token.set("signature", base64(cms));
    return stringify(token);
}

std::string pkcs1Token(const Bytes& signature, const Bytes& certificate, std::string_view hash)
{
    Poco::JSON::Object token;
    token.set("format", "hipki-sign:1");
    token.set("signatureType", "PKCS1");
    token.set("hashAlgorithm", std::string(hash));
    token.set("signature", base64(signature));
    token.set("certificate", base64(certificate));
    return stringify(token);
}

} // namespace certgate::test::hipki
