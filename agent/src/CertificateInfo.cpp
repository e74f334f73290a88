#include <certgate/agent/CertificateInfo.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <stdexcept>

namespace certgate::agent {
namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};

std::string isoTime(const ASN1_TIME* time)
{
    std::tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        return {};
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

struct UsageName {
    std::uint32_t bit;
    const char* name;
};
constexpr UsageName usageNames[] = {
    { KU_DIGITAL_SIGNATURE, "digitalSignature" },
    { KU_NON_REPUDIATION, "nonRepudiation" },
    { KU_KEY_ENCIPHERMENT, "keyEncipherment" },
    { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
    { KU_KEY_AGREEMENT, "keyAgreement" },
    { KU_KEY_CERT_SIGN, "keyCertSign" },
    { KU_CRL_SIGN, "cRLSign" },
    { KU_ENCIPHER_ONLY, "encipherOnly" },
    { KU_DECIPHER_ONLY, "decipherOnly" },
};

} // namespace

std::string rfc4514(const void* x509Name)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    // RFC 2253 flags print RFC 4514 syntax; without ESC_MSB the UTF-8 of Chinese names stays
    // readable, as the server shows it.
    X509_NAME_print_ex(bio.get(), static_cast<const X509_NAME*>(x509Name), 0,
        XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB));
    char* data = nullptr;
    auto size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string {};
}

CertificateInfo describeCertificate(X509* certificate, std::string id, std::string label)
{
    CertificateInfo info;
    info.id = std::move(id);
    info.label = std::move(label);
    unsigned char* der = nullptr;
    int derSize = i2d_X509(certificate, &der);
    if (derSize <= 0)
        throw std::runtime_error("certificate cannot be DER-encoded");
    info.der.assign(der, der + derSize);
    OPENSSL_free(der);

    const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
    std::unique_ptr<BIGNUM, BnFree> bn(ASN1_INTEGER_to_BN(serial, nullptr));
    Bytes magnitude(static_cast<std::size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), magnitude.data());
    info.serialNumber = formatSerial(magnitude, BN_is_negative(bn.get()) != 0);

    info.subject = rfc4514(X509_get_subject_name(certificate));
    info.issuer = rfc4514(X509_get_issuer_name(certificate));
    info.notBefore = isoTime(X509_get0_notBefore(certificate));
    info.notAfter = isoTime(X509_get0_notAfter(certificate));

    // X509_get_key_usage answers all bits when the extension is absent; a certificate without
    // keyUsage is not a signing certificate for SPEC §5 (CERT_KEY_USAGE), so list none.
    if (X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) {
        auto usage = X509_get_key_usage(certificate);
        for (const auto& u : usageNames)
            if (usage & u.bit)
                info.keyUsage.emplace_back(u.name);
        info.signing = (usage & KU_DIGITAL_SIGNATURE) != 0;
    }
    return info;
}

CertificateInfo describeCertificateDer(const Bytes& der, std::string id, std::string label)
{
    const unsigned char* p = der.data();
    std::unique_ptr<X509, X509Free> certificate(
        d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!certificate)
        throw std::runtime_error("certificate DER does not parse");
    return describeCertificate(certificate.get(), std::move(id), std::move(label));
}

} // namespace certgate::agent
