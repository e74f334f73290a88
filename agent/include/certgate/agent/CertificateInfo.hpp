#pragma once

#include <certgate/agent/Encoding.hpp>

#include <string>
#include <vector>

typedef struct x509_st X509;

namespace certgate::agent {

/// What the agent tells about one certificate on a token (GET /v1/certificates).
struct CertificateInfo {
    std::string id; ///< CKA_ID, lower-case hex ("01")
    std::string label;
    Bytes der;
    std::string serialNumber; ///< uppercase hex, no separators, no leading zeros
    std::string subject; ///< RFC 4514
    std::string issuer;
    std::string notBefore; ///< ISO 8601, UTC, "Z"
    std::string notAfter;
    std::vector<std::string> keyUsage; ///< RFC 5280 names, e.g. "digitalSignature"
    bool signing = false; ///< keyUsage has digitalSignature
};

/// Reads the facts from a parsed certificate; throws std::runtime_error if it cannot be encoded.
CertificateInfo describeCertificate(X509* certificate, std::string id, std::string label);
/// Same from DER; throws std::runtime_error when the DER does not parse.
CertificateInfo describeCertificateDer(const Bytes& der, std::string id, std::string label);

/// RFC 4514 string of a name, UTF-8 kept as is (not \XX-escaped).
std::string rfc4514(const void* x509Name);

} // namespace certgate::agent
