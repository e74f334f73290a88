// CA certificates as the `certgate ca` commands and the trust report read them.
#include "CertificateParser.hpp"
#include "OpenSslError.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/x509/CaCertificates.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>

namespace certgate::x509 {

namespace {

std::string lowerHex(const unsigned char* data, unsigned size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0xf]);
    }
    return out;
}

ossl::X509Ptr decode(const CaCertificate& certificate)
{
    return decodeCertificate(certificate.der, certificate.der.size());
}

} // namespace

std::vector<CaCertificate> readCaCertificates(std::span<const std::uint8_t> contents)
{
    auto certificates = loadCertificates(contents);
    if (certificates.empty())
        throw core::Error(
            core::ErrorCode::CertMalformed, "no PEM, DER or PKCS#7 certificate found");
    std::vector<CaCertificate> out;
    for (auto& x509 : certificates) {
        CaCertificate c;
        c.der = encode(x509.get());
        auto view = describe(x509.get(), c.der);
        c.subject = view.subjectString;
        c.issuer = view.issuerString;
        c.serial = view.serialHex;
        c.keyId = view.subjectKeyId;
        c.authorityKeyId = view.authorityKeyId;
        c.notBefore = view.notBefore;
        c.notAfter = view.notAfter;
        c.isCa = view.isCa;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned length = 0;
        if (X509_digest(x509.get(), EVP_sha256(), digest, &length) != 1)
            throw core::Error(core::ErrorCode::CertMalformed,
                withOpenSslErrors("cannot compute the SHA-256 fingerprint"));
        c.sha256 = lowerHex(digest, length);
        c.selfIssued
            = X509_NAME_cmp(X509_get_subject_name(x509.get()), X509_get_issuer_name(x509.get()))
            == 0;
        c.selfSigned = c.selfIssued && X509_check_issued(x509.get(), x509.get()) == X509_V_OK
            && X509_verify(x509.get(), X509_get0_pubkey(x509.get())) == 1;
        c.testCa = c.subject.find("測試") != std::string::npos;
        ERR_clear_error();
        out.push_back(std::move(c));
    }
    return out;
}

bool issuedBy(const CaCertificate& certificate, const CaCertificate& issuer)
{
    auto child = decode(certificate);
    auto parent = decode(issuer);
    const bool issued = X509_check_issued(parent.get(), child.get()) == X509_V_OK
        && X509_verify(child.get(), X509_get0_pubkey(parent.get())) == 1;
    ERR_clear_error();
    return issued;
}

std::string toPem(const CaCertificate& certificate)
{
    auto x509 = decode(certificate);
    ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), x509.get()) != 1)
        throw std::runtime_error(withOpenSslErrors("cannot write PEM"));
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

} // namespace certgate::x509
