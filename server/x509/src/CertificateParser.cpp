#include "CertificateParser.hpp"

#include "Asn1Text.hpp"
#include "OpenSslError.hpp"

#include <certgate/core/Error.hpp>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <string_view>

namespace certgate::x509 {
namespace {

core::Error malformed(const std::string& what)
{
    return core::Error(core::ErrorCode::CertMalformed, withOpenSslErrors(what));
}

int noPassword(char*, int, int, void*)
{
    return 0;
}

bool looksLikePem(std::span<const std::uint8_t> contents)
{
    static constexpr std::string_view marker = "-----BEGIN ";
    return std::search(contents.begin(), contents.end(), marker.begin(), marker.end())
        != contents.end();
}

ossl::Bio memoryBio(std::span<const std::uint8_t> contents)
{
    if (contents.size() > static_cast<std::size_t>(INT_MAX))
        return nullptr;
    return ossl::Bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
}

// Reads PEM objects until the end; anything but a clean "no more PEM" ends the file as
// unreadable, so a truncated second certificate is not silently dropped.
template <class Ptr, class Reader>
std::vector<Ptr> readPem(std::span<const std::uint8_t> contents, Reader reader)
{
    std::vector<Ptr> out;
    auto bio = memoryBio(contents);
    if (!bio)
        return out;
    ERR_clear_error();
    while (auto* object = reader(bio.get(), nullptr, noPassword, nullptr))
        out.emplace_back(object);
    const unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)
        ERR_clear_error();
    else if (last != 0)
        out.clear();
    takeOpenSslErrors();
    return out;
}

template <class Ptr, class Decoder>
Ptr readDer(std::span<const std::uint8_t> contents, Decoder decoder)
{
    if (contents.size() > static_cast<std::size_t>(LONG_MAX))
        return nullptr;
    const unsigned char* p = contents.data();
    Ptr object(decoder(nullptr, &p, static_cast<long>(contents.size())));
    takeOpenSslErrors();
    if (!object || p != contents.data() + contents.size())
        return nullptr;
    return object;
}

std::vector<plugin::Rdn> rdns(const X509_NAME* name)
{
    std::vector<plugin::Rdn> out;
    const int count = X509_NAME_entry_count(name);
    for (int i = 0; i < count; ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT* object = X509_NAME_ENTRY_get_object(entry);
        plugin::Rdn rdn;
        rdn.oid = asn1::oidText(object);
        const int nid = OBJ_obj2nid(object);
        if (nid != NID_undef)
            rdn.shortName = OBJ_nid2sn(nid);
        auto value = asn1::utf8(X509_NAME_ENTRY_get_data(entry));
        if (!value)
            throw malformed("name attribute " + rdn.oid + " is not a readable string");
        rdn.value = std::move(*value);
        out.push_back(std::move(rdn));
    }
    return out;
}

std::string nameText(const X509_NAME* name, const char* which)
{
    auto text = asn1::rfc4514(name);
    if (!text)
        throw malformed(std::string(which) + " name cannot be printed");
    return *text;
}

std::string hexOfDer(const ASN1_TYPE* value)
{
    unsigned char* out = nullptr;
    const int length = i2d_ASN1_TYPE(value, &out);
    if (length < 0)
        throw malformed("attribute value cannot be re-encoded");
    ossl::Memory owner(out);
    return asn1::hexUpper(out, static_cast<std::size_t>(length));
}

// Types.hpp: OIDs dotted, strings UTF-8, times YYYYMMDDHHMMSSZ, anything else hex DER.
std::string renderAttributeValue(const ASN1_TYPE* value)
{
    switch (ASN1_TYPE_get(value)) {
    case V_ASN1_OBJECT:
        return asn1::oidText(value->value.object);
    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_T61STRING:
    case V_ASN1_BMPSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_NUMERICSTRING:
        if (auto text = asn1::utf8(value->value.asn1_string))
            return *text;
        takeOpenSslErrors();
        return hexOfDer(value);
    case V_ASN1_UTCTIME:
    case V_ASN1_GENERALIZEDTIME:
        if (auto text = asn1::timeText(value->value.asn1_string))
            return *text;
        takeOpenSslErrors();
        return hexOfDer(value);
    default:
        return hexOfDer(value);
    }
}

// The whole encoding of a constructed ASN1_TYPE (SEQUENCE, SET) is kept as its string.
std::span<const std::uint8_t> encodingOf(const ASN1_STRING* constructed)
{
    return { ASN1_STRING_get0_data(constructed),
        static_cast<std::size_t>(ASN1_STRING_length(constructed)) };
}

template <class Decoder>
ossl::Asn1Sequence decodeAll(std::span<const std::uint8_t> der, Decoder decoder)
{
    const unsigned char* p = der.data();
    ossl::Asn1Sequence items(decoder(nullptr, &p, static_cast<long>(der.size())));
    if (!items || p != der.data() + der.size())
        return nullptr;
    return items;
}

// X509_get_ext_d2i: crit -1 = absent, -2 = present more than once, >= 0 with a null result
// = present and undecodable.
template <class T> T* extension(X509* certificate, int nid, const char* name)
{
    int critical = -1;
    auto* value = static_cast<T*>(X509_get_ext_d2i(certificate, nid, &critical, nullptr));
    if (!value && critical != -1)
        throw malformed(std::string(name) + " extension is repeated or does not decode");
    return value;
}

std::string publicKeyAlgorithm(const EVP_PKEY* key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    case EVP_PKEY_DSA:
        return "DSA";
    default:
        if (const char* name = EVP_PKEY_get0_type_name(key))
            return name;
        return "unknown";
    }
}

} // namespace

ossl::X509Ptr decodeCertificate(std::span<const std::uint8_t> der, std::size_t maxBytes)
{
    if (der.empty())
        throw core::Error(core::ErrorCode::CertMalformed, "empty certificate");
    if (der.size() > maxBytes)
        throw core::Error(core::ErrorCode::CertMalformed,
            "certificate of " + std::to_string(der.size()) + " bytes exceeds the limit of "
                + std::to_string(maxBytes));
    ERR_clear_error();
    const unsigned char* p = der.data();
    ossl::X509Ptr certificate(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!certificate)
        throw malformed("not a DER X.509 certificate");
    if (p != der.data() + der.size())
        throw core::Error(core::ErrorCode::CertMalformed,
            std::to_string(der.data() + der.size() - p) + " bytes after the certificate");
    // X509_get_extension_flags computes and caches the extensions; it flags any that do
    // not decode (bad basicConstraints, key identifiers, duplicates...).
    if (X509_get_extension_flags(certificate.get()) & EXFLAG_INVALID)
        throw malformed("an extension does not decode or is repeated");
    return certificate;
}

std::vector<std::uint8_t> encode(X509* certificate)
{
    unsigned char* out = nullptr;
    const int length = i2d_X509(certificate, &out);
    if (length < 0)
        throw malformed("certificate cannot be encoded");
    ossl::Memory owner(out);
    return { out, out + length };
}

std::string subjectKeyId(X509* certificate)
{
    return asn1::hexUpper(X509_get0_subject_key_id(certificate));
}

std::string authorityKeyId(X509* certificate)
{
    return asn1::hexUpper(X509_get0_authority_key_id(certificate));
}

std::vector<std::string> extendedKeyUsage(X509* certificate)
{
    std::vector<std::string> out;
    ossl::ObjectStack usages(
        extension<EXTENDED_KEY_USAGE>(certificate, NID_ext_key_usage, "extendedKeyUsage"));
    if (!usages)
        return out;
    for (int i = 0; i < sk_ASN1_OBJECT_num(usages.get()); ++i)
        out.push_back(asn1::oidText(sk_ASN1_OBJECT_value(usages.get(), i)));
    return out;
}

std::vector<std::string> policyOids(X509* certificate)
{
    std::vector<std::string> out;
    ossl::Policies policies(extension<CERTIFICATEPOLICIES>(
        certificate, NID_certificate_policies, "certificatePolicies"));
    if (!policies)
        return out;
    for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i)
        out.push_back(asn1::oidText(sk_POLICYINFO_value(policies.get(), i)->policyid));
    return out;
}

std::vector<std::string> crlDistributionUrls(X509* certificate)
{
    std::vector<std::string> out;
    ossl::DistPoints points(extension<CRL_DIST_POINTS>(
        certificate, NID_crl_distribution_points, "cRLDistributionPoints"));
    if (!points)
        return out;
    for (int i = 0; i < sk_DIST_POINT_num(points.get()); ++i) {
        const DIST_POINT* point = sk_DIST_POINT_value(points.get(), i);
        if (!point->distpoint || point->distpoint->type != 0)
            continue;
        const GENERAL_NAMES* names = point->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
            if (name->type == GEN_URI)
                if (auto uri = asn1::utf8(name->d.uniformResourceIdentifier))
                    out.push_back(*uri);
        }
    }
    return out;
}

std::vector<std::string> ocspUrls(X509* certificate)
{
    std::vector<std::string> out;
    ossl::StringStack urls(X509_get1_ocsp(certificate));
    if (!urls)
        return out;
    for (int i = 0; i < sk_OPENSSL_STRING_num(urls.get()); ++i)
        out.emplace_back(sk_OPENSSL_STRING_value(urls.get(), i));
    return out;
}

std::vector<plugin::Attribute> subjectDirectoryAttributes(X509* certificate)
{
    std::vector<plugin::Attribute> out;
    const int index = X509_get_ext_by_NID(certificate, NID_subject_directory_attributes, -1);
    if (index < 0)
        return out;
    if (X509_get_ext_by_NID(certificate, NID_subject_directory_attributes, index) >= 0)
        throw malformed("subjectDirectoryAttributes is repeated");
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(certificate, index));
    // SubjectDirectoryAttributes ::= SEQUENCE SIZE (1..MAX) OF Attribute (RFC 5280 §4.2.1.8)
    auto attributes = decodeAll(encodingOf(data), d2i_ASN1_SEQUENCE_ANY);
    if (!attributes)
        throw malformed("subjectDirectoryAttributes is not a SEQUENCE");
    for (int i = 0; i < sk_ASN1_TYPE_num(attributes.get()); ++i) {
        const ASN1_TYPE* item = sk_ASN1_TYPE_value(attributes.get(), i);
        if (ASN1_TYPE_get(item) != V_ASN1_SEQUENCE)
            throw malformed("subjectDirectoryAttributes holds a non-SEQUENCE attribute");
        // Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET OF ANY }
        auto parts = decodeAll(encodingOf(item->value.sequence), d2i_ASN1_SEQUENCE_ANY);
        if (!parts || sk_ASN1_TYPE_num(parts.get()) != 2
            || ASN1_TYPE_get(sk_ASN1_TYPE_value(parts.get(), 0)) != V_ASN1_OBJECT
            || ASN1_TYPE_get(sk_ASN1_TYPE_value(parts.get(), 1)) != V_ASN1_SET)
            throw malformed("subjectDirectoryAttributes holds a malformed Attribute");
        plugin::Attribute attribute;
        attribute.oid = asn1::oidText(sk_ASN1_TYPE_value(parts.get(), 0)->value.object);
        auto values = decodeAll(
            encodingOf(sk_ASN1_TYPE_value(parts.get(), 1)->value.set), d2i_ASN1_SET_ANY);
        if (!values)
            throw malformed("attribute " + attribute.oid + " has malformed values");
        for (int j = 0; j < sk_ASN1_TYPE_num(values.get()); ++j)
            attribute.values.push_back(renderAttributeValue(sk_ASN1_TYPE_value(values.get(), j)));
        out.push_back(std::move(attribute));
    }
    return out;
}

Validity validity(const X509* certificate)
{
    auto notBefore = asn1::epochSeconds(X509_get0_notBefore(certificate));
    auto notAfter = asn1::epochSeconds(X509_get0_notAfter(certificate));
    if (!notBefore || !notAfter)
        throw malformed("validity dates do not decode");
    return { *notBefore, *notAfter };
}

std::string subjectText(const X509* certificate)
{
    return asn1::rfc4514(X509_get_subject_name(certificate)).value_or(std::string {});
}

plugin::CertificateView describe(X509* certificate, std::span<const std::uint8_t> der)
{
    plugin::CertificateView view;
    view.der.assign(der.begin(), der.end());
    auto serial = asn1::serialHex(X509_get0_serialNumber(certificate));
    if (!serial)
        throw malformed("serial number does not decode");
    view.serialHex = std::move(*serial);
    view.subject = rdns(X509_get_subject_name(certificate));
    view.issuer = rdns(X509_get_issuer_name(certificate));
    view.subjectString = nameText(X509_get_subject_name(certificate), "subject");
    view.issuerString = nameText(X509_get_issuer_name(certificate), "issuer");
    view.subjectKeyId = subjectKeyId(certificate);
    view.authorityKeyId = authorityKeyId(certificate);
    const auto times = validity(certificate);
    view.notBefore = times.notBefore;
    view.notAfter = times.notAfter;
    const std::uint32_t flags = X509_get_extension_flags(certificate);
    view.hasKeyUsage = (flags & EXFLAG_KUSAGE) != 0;
    view.keyUsage = view.hasKeyUsage ? X509_get_key_usage(certificate) : 0;
    view.extendedKeyUsage = extendedKeyUsage(certificate);
    view.policies = policyOids(certificate);
    view.subjectDirectoryAttributes = subjectDirectoryAttributes(certificate);
    const EVP_PKEY* key = X509_get0_pubkey(certificate);
    if (!key)
        throw malformed("public key does not decode");
    view.publicKeyAlgorithm = publicKeyAlgorithm(key);
    view.publicKeyBits = EVP_PKEY_get_bits(key);
    view.isCa = (flags & EXFLAG_CA) != 0;
    return view;
}

namespace {
// The certificates a PKCS#7 SignedData carries (a CA's .p7b bundle: no content, no signers).
void appendBundle(const PKCS7* bundle, std::vector<ossl::X509Ptr>& out)
{
    if (!bundle || !PKCS7_type_is_signed(bundle) || !bundle->d.sign)
        return;
    const STACK_OF(X509)* certificates = bundle->d.sign->cert;
    for (int i = 0; i < sk_X509_num(certificates); ++i) {
        X509* certificate = sk_X509_value(certificates, i);
        if (X509_up_ref(certificate) == 1)
            out.emplace_back(certificate);
    }
}
} // namespace

std::vector<ossl::X509Ptr> loadCertificates(std::span<const std::uint8_t> contents)
{
    if (looksLikePem(contents)) {
        auto out = readPem<ossl::X509Ptr>(contents, PEM_read_bio_X509);
        for (const auto& bundle : readPem<ossl::Pkcs7>(contents, PEM_read_bio_PKCS7))
            appendBundle(bundle.get(), out);
        return out;
    }
    std::vector<ossl::X509Ptr> out;
    if (auto certificate = readDer<ossl::X509Ptr>(contents, d2i_X509))
        out.push_back(std::move(certificate));
    else if (auto bundle = readDer<ossl::Pkcs7>(contents, d2i_PKCS7))
        appendBundle(bundle.get(), out);
    return out;
}

std::vector<ossl::X509Crl> loadCrls(std::span<const std::uint8_t> contents)
{
    if (looksLikePem(contents))
        return readPem<ossl::X509Crl>(contents, PEM_read_bio_X509_CRL);
    std::vector<ossl::X509Crl> out;
    if (auto crl = readDer<ossl::X509Crl>(contents, d2i_X509_CRL))
        out.push_back(std::move(crl));
    return out;
}

} // namespace certgate::x509
