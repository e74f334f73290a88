#pragma once

#include "OpenSslHandles.hpp"

#include <certgate/plugin/Types.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// Decoding certificates and CRLs and reading their extensions. Everything here reads through
// OpenSSL's decoders; nothing walks DER by hand.
namespace certgate::x509 {

/// One DER certificate, the whole buffer and nothing after it, at most `maxBytes`.
/// Throws core::Error(CertMalformed).
ossl::X509Ptr decodeCertificate(std::span<const std::uint8_t> der, std::size_t maxBytes);

/// The plain view plugins read. Throws core::Error(CertMalformed).
plugin::CertificateView describe(X509* certificate, std::span<const std::uint8_t> der);

/// PEM (one or more certificates, or PKCS#7 blocks), one DER certificate, or a DER PKCS#7
/// bundle (.p7b); empty when nothing usable is found.
std::vector<ossl::X509Ptr> loadCertificates(std::span<const std::uint8_t> contents);
/// PEM (one or more CRLs) or one DER CRL; empty when nothing parses.
std::vector<ossl::X509Crl> loadCrls(std::span<const std::uint8_t> contents);

std::vector<std::uint8_t> encode(X509* certificate);

// Extension readers. Each throws core::Error(CertMalformed) for an extension that is present
// but does not decode, and returns empty when it is absent.
std::string subjectKeyId(X509* certificate);
std::string authorityKeyId(X509* certificate);
std::vector<std::string> extendedKeyUsage(X509* certificate);
std::vector<std::string> policyOids(X509* certificate);
std::vector<std::string> crlDistributionUrls(X509* certificate);
std::vector<std::string> ocspUrls(X509* certificate);
std::vector<plugin::Attribute> subjectDirectoryAttributes(X509* certificate);

struct Validity {
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
};
Validity validity(const X509* certificate); ///< throws core::Error(CertMalformed)

std::string subjectText(const X509* certificate); ///< RFC 4514, "" when it cannot be printed

} // namespace certgate::x509
