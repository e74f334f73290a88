#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

// One owner type per OpenSSL handle the adapter holds. Each alias frees with the function
// OpenSSL pairs with the allocator; the helpers below wrap the ones OpenSSL defines as macros.
namespace certgate::x509::ossl {

template <auto Free> struct Deleter {
    template <class T> void operator()(T* p) const noexcept { Free(p); }
};

inline void freeMemory(void* p)
{
    OPENSSL_free(p);
}
inline void freeX509Stack(STACK_OF(X509) * s)
{
    sk_X509_pop_free(s, X509_free);
}
inline void freeAsn1TypeStack(STACK_OF(ASN1_TYPE) * s)
{
    sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
}
inline void freeObjectStack(STACK_OF(ASN1_OBJECT) * s)
{
    sk_ASN1_OBJECT_pop_free(s, ASN1_OBJECT_free);
}
inline void freePolicies(CERTIFICATEPOLICIES* p)
{
    CERTIFICATEPOLICIES_free(p);
}
inline void freeDistPoints(CRL_DIST_POINTS* p)
{
    CRL_DIST_POINTS_free(p);
}
inline void freeStringStack(STACK_OF(OPENSSL_STRING) * s)
{
    X509_email_free(s);
}

using Memory = std::unique_ptr<unsigned char, Deleter<freeMemory>>;
using Text = std::unique_ptr<char, Deleter<freeMemory>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using Asn1Enumerated = std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>>;
using Asn1Sequence = std::unique_ptr<STACK_OF(ASN1_TYPE), Deleter<freeAsn1TypeStack>>;
using ObjectStack = std::unique_ptr<STACK_OF(ASN1_OBJECT), Deleter<freeObjectStack>>;
using Policies = std::unique_ptr<CERTIFICATEPOLICIES, Deleter<freePolicies>>;
using DistPoints = std::unique_ptr<CRL_DIST_POINTS, Deleter<freeDistPoints>>;
using IssuingDistPoint = std::unique_ptr<ISSUING_DIST_POINT, Deleter<ISSUING_DIST_POINT_free>>;
using StringStack = std::unique_ptr<STACK_OF(OPENSSL_STRING), Deleter<freeStringStack>>;

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509Stack = std::unique_ptr<STACK_OF(X509), Deleter<freeX509Stack>>;
using X509Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtx = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using Pkcs7 = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;

using OcspRequest = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using OcspResponse = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using OcspBasicResponse = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using OcspCertId = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID_free>>;

using EvpPkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpMdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

/// A second owner of a certificate another owner keeps.
inline X509Ptr share(X509* certificate)
{
    X509_up_ref(certificate);
    return X509Ptr(certificate);
}

} // namespace certgate::x509::ossl
