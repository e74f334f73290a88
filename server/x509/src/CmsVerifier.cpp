#include "CmsVerifier.hpp"

#include "CertificateParser.hpp"
#include "OpenSslError.hpp"
#include "OpenSslHandles.hpp"

#include <certgate/core/Error.hpp>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <memory>
#include <string>

namespace certgate::x509 {
namespace {

using Cms = std::unique_ptr<CMS_ContentInfo, ossl::Deleter<CMS_ContentInfo_free>>;
using core::ErrorCode;

[[noreturn]] void malformed(const std::string& what)
{
    throw core::Error(ErrorCode::MalformedToken, withOpenSslErrors("PKCS7: " + what));
}

[[noreturn]] void invalid(const std::string& what)
{
    throw core::Error(ErrorCode::SignatureInvalid, withOpenSslErrors("PKCS7: " + what));
}

/// One DER SignedData (no trailing bytes) and its only SignerInfo.
struct Opened {
    Cms cms;
    CMS_SignerInfo* signer = nullptr;
};

Opened open(std::span<const std::uint8_t> der)
{
    ERR_clear_error();
    Opened out;
    const unsigned char* p = der.data();
    out.cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!out.cms || p != der.data() + der.size())
        malformed("not one DER ContentInfo");
    if (OBJ_obj2nid(CMS_get0_type(out.cms.get())) != NID_pkcs7_signed)
        malformed("not a SignedData");
    STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(out.cms.get());
    if (sk_CMS_SignerInfo_num(signers) != 1)
        malformed("exactly one signer expected, found "
            + std::to_string(std::max(0, sk_CMS_SignerInfo_num(signers))));
    out.signer = sk_CMS_SignerInfo_value(signers, 0);
    return out;
}

int countSigned(CMS_SignerInfo* signer, int nid)
{
    int count = 0;
    for (int i = 0; i < CMS_signed_get_attr_count(signer); ++i)
        if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(signer, i))) == nid)
            ++count;
    return count;
}

void checkSignedAttributes(CMS_SignerInfo* signer)
{
    if (CMS_signed_get_attr_count(signer) <= 0)
        return; // none: the signature covers the content itself (RFC 5652 §5.4)
    if (countSigned(signer, NID_pkcs9_contentType) != 1
        || countSigned(signer, NID_pkcs9_messageDigest) != 1)
        invalid("signed attributes need exactly one content type and one message digest");
    auto* type = static_cast<ASN1_OBJECT*>(
        CMS_signed_get0_data_by_OBJ(signer, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
    if (!type || OBJ_obj2nid(type) != NID_pkcs7_data)
        invalid("the signed content type attribute is not id-data");
}

void checkDigest(CMS_SignerInfo* signer)
{
    X509_ALGOR* digest = nullptr;
    CMS_SignerInfo_get0_algs(signer, nullptr, nullptr, &digest, nullptr);
    const ASN1_OBJECT* algorithm = nullptr;
    if (digest)
        X509_ALGOR_get0(&algorithm, nullptr, nullptr, digest);
    const int nid = algorithm ? OBJ_obj2nid(algorithm) : NID_undef;
    if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512)
        invalid(std::string("digest ") + (nid == NID_undef ? "unknown" : OBJ_nid2sn(nid))
            + " is not allowed (SHA-256, SHA-384 or SHA-512)");
}

ossl::Bio memory(std::span<const std::uint8_t> bytes)
{
    ossl::Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    if (!bio)
        throw core::Error(ErrorCode::InternalError, "BIO_new_mem_buf failed");
    return bio;
}

} // namespace

std::vector<std::uint8_t> cmsSignerCertificate(std::span<const std::uint8_t> cms)
{
    auto opened = open(cms);
    ossl::X509Stack certificates(CMS_get1_certs(opened.cms.get()));
    for (int i = 0; i < sk_X509_num(certificates.get()); ++i) {
        X509* candidate = sk_X509_value(certificates.get(), i);
        if (CMS_SignerInfo_cert_cmp(opened.signer, candidate) == 0)
            return encode(candidate);
    }
    malformed("the signer's certificate is not among the certificates it carries");
}

void verifyCmsSignature(
    X509* signer, std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content)
{
    auto opened = open(cms);
    if (OBJ_obj2nid(CMS_get0_eContentType(opened.cms.get())) != NID_pkcs7_data)
        invalid("the content type is not id-data");
    checkDigest(opened.signer);
    checkSignedAttributes(opened.signer);

    ossl::X509Stack only(sk_X509_new_null());
    if (!only || sk_X509_push(only.get(), signer) <= 0)
        throw core::Error(ErrorCode::InternalError, "cannot list the signer certificate");
    X509_up_ref(signer); // the stack frees what it holds
    ASN1_OCTET_STRING** encapsulated = CMS_get0_content(opened.cms.get());
    const bool detached = !encapsulated || !*encapsulated;
    auto expected = memory(content);
    ossl::Bio signedContent(BIO_new(BIO_s_mem()));
    if (!signedContent)
        throw core::Error(ErrorCode::InternalError, "BIO_new failed");
    const unsigned flags = CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY;
    if (CMS_verify(opened.cms.get(), only.get(), nullptr, detached ? expected.get() : nullptr,
            signedContent.get(), flags)
        != 1)
        invalid("the signature does not verify with the signer's certificate");
    if (!detached) {
        char* data = nullptr;
        const long length = BIO_get_mem_data(signedContent.get(), &data);
        if (length < 0 || static_cast<std::size_t>(length) != content.size()
            || !std::equal(
                content.begin(), content.end(), reinterpret_cast<const std::uint8_t*>(data)))
            invalid("the signed content is not the text the server issued");
    }
    ERR_clear_error();
}

} // namespace certgate::x509
