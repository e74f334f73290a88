#pragma once

#include <certgate/core/CaProfile.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace certgate::x509 {

/// A CA certificate as `certgate ca` and the trust report see it.
struct CaCertificate {
    core::Bytes der;
    std::string subject; ///< RFC 4514
    std::string issuer;
    std::string serial; ///< uppercase hex
    std::string keyId; ///< subject key identifier, uppercase hex ("" when absent)
    std::string authorityKeyId;
    std::string sha256; ///< of the DER, lowercase hex
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
    bool isCa = false; ///< basicConstraints cA
    bool selfIssued = false; ///< subject == issuer (a root, or a link between root generations)
    bool selfSigned = false; ///< self-issued and its own key verifies its signature
    bool testCa = false; ///< its subject names a test CA ("測試", "Test")

    bool currentAt(std::int64_t at) const { return notBefore <= at && at <= notAfter; }
};

/// Every certificate of a file the CAs publish: PEM (one or more certificates or PKCS#7
/// blocks), DER `.cer`/`.crt`, or a DER PKCS#7 bundle (`.p7b`). Throws
/// core::Error(CertMalformed) when nothing usable is found.
std::vector<CaCertificate> readCaCertificates(std::span<const std::uint8_t> contents);

/// Whether `issuer` issued `certificate`: names and key identifiers agree (OpenSSL's
/// X509_check_issued, so the AKI must equal the issuer's SKI) and the issuer's key verifies
/// the signature.
bool issuedBy(const CaCertificate& certificate, const CaCertificate& issuer);

/// The certificate as PEM text.
std::string toPem(const CaCertificate& certificate);

/// Which CA certificates of a profile make it accept cards now, and what is wrong.
struct ProfileTrust {
    struct Entry {
        CaCertificate certificate;
        std::string role; ///< "anchor", "link", "issuing-ca", "intermediate"
        std::string file; ///< as named by the profile
        bool current = false; ///< within its validity at the time judged
        bool chains = false; ///< a current path to one of the profile's anchors
        bool expiresSoon = false; ///< current, but expires within 90 days
    };
    std::string profileId;
    std::vector<Entry> certificates;
    /// At least one current issuing-CA certificate (listed in issuerKeyIds) chains to a
    /// pinned anchor through current certificates.
    bool acceptsCards = false;
    std::vector<std::string> problems; ///< English, one sentence each
    std::vector<std::string> warnings;
    std::vector<core::ExpectedCa> missing; ///< expected issuing CAs the profile does not hold
};

ProfileTrust assessTrust(const core::CaProfile& profile, std::int64_t at);

} // namespace certgate::x509
