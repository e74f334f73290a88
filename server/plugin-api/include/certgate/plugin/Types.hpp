#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace certgate::plugin {

enum class CardKind { Citizen, Organisation };

inline const char* toString(CardKind kind)
{
    return kind == CardKind::Citizen ? "citizen" : "organisation";
}

/// One attribute of a distinguished name, in DN order (most significant first).
struct Rdn {
    std::string oid; ///< dotted OID, e.g. "2.5.4.3"
    std::string shortName; ///< "CN", "O", "OU", "serialNumber", ... (empty when unknown)
    std::string value; ///< UTF-8
};

/// One attribute of subjectDirectoryAttributes (2.5.29.9). Values are rendered as text:
/// OBJECT IDENTIFIER values as dotted OIDs, string types as UTF-8, times as
/// YYYYMMDDHHMMSSZ, anything else as uppercase hex of its DER.
struct Attribute {
    std::string oid;
    std::vector<std::string> values;
};

/// keyUsage bits, as in RFC 5280 §4.2.1.3.
enum KeyUsage : unsigned {
    DigitalSignature = 0x80,
    NonRepudiation = 0x40,
    KeyEncipherment = 0x20,
    DataEncipherment = 0x10,
    KeyAgreement = 0x08,
    KeyCertSign = 0x04,
    CrlSign = 0x02,
};

/// Everything a plugin may know about a certificate, parsed by the host (OpenSSL), so that a
/// plugin needs no crypto library. Plain data; std only.
struct CertificateView {
    std::vector<std::uint8_t> der;
    std::string serialHex; ///< uppercase hex, no separators, no leading zeros ("0" for zero)
    std::vector<Rdn> subject;
    std::vector<Rdn> issuer;
    std::string subjectString; ///< RFC 4514
    std::string issuerString; ///< RFC 4514
    std::string subjectKeyId; ///< uppercase hex, empty when absent
    std::string authorityKeyId;
    std::int64_t notBefore = 0; ///< seconds since the Unix epoch, UTC
    std::int64_t notAfter = 0;
    bool hasKeyUsage = false;
    unsigned keyUsage = 0; ///< KeyUsage bits
    std::vector<std::string> extendedKeyUsage; ///< dotted OIDs; empty when absent
    std::vector<std::string> policies; ///< certificatePolicies, dotted OIDs
    std::vector<Attribute> subjectDirectoryAttributes;
    std::string publicKeyAlgorithm; ///< "RSA", "EC", ...
    int publicKeyBits = 0;
    bool isCa = false;

    /// First RDN value with this OID or short name, or empty.
    std::string subjectValue(const std::string& oidOrShortName) const
    {
        for (const auto& rdn : subject)
            if (rdn.oid == oidOrShortName || rdn.shortName == oidOrShortName)
                return rdn.value;
        return {};
    }
    /// Values of the subjectDirectoryAttributes attribute with this OID (empty when absent).
    std::vector<std::string> attributeValues(const std::string& oid) const
    {
        std::vector<std::string> out;
        for (const auto& attribute : subjectDirectoryAttributes)
            if (attribute.oid == oid)
                out.insert(out.end(), attribute.values.begin(), attribute.values.end());
        return out;
    }
};

/// What a CA profile (ca-profiles/<ca>.json) tells its plugin. The host parses the JSON;
/// `rules` is the profile's "identity" object flattened: a string value becomes a list of one,
/// an array of strings stays a list.
struct ProfileView {
    std::string id; ///< plugin id, lowercase ("moica")
    CardKind kind = CardKind::Citizen;
    std::map<std::string, std::vector<std::string>> rules;

    std::string rule(const std::string& key, const std::string& fallback = {}) const
    {
        auto it = rules.find(key);
        return it == rules.end() || it->second.empty() ? fallback : it->second.front();
    }
    std::vector<std::string> ruleList(const std::string& key) const
    {
        auto it = rules.find(key);
        return it == rules.end() ? std::vector<std::string> {} : it->second;
    }
};

/// The identity a plugin extracts (SPEC §8). Citizen cards fill name, idLast4 and
/// subjectSerialNumber; organisation cards fill organisationName, identifier and
/// identifierType ("agency-oid" | "org-oid" | "ubn" | "institution-code"). Both fill
/// certificateSerial (uppercase hex) and issuer (RFC 4514).
struct Identity {
    CardKind kind = CardKind::Citizen;
    std::string name;
    std::string idLast4;
    std::string subjectSerialNumber;
    std::string organisationName;
    std::string identifier;
    std::string identifierType;
    std::string certificateSerial;
    std::string issuer;
    /// Further facts worth showing (e.g. "subjectType", "cardRank"); never used for decisions
    /// by the host.
    std::map<std::string, std::string> extra;
};

/// Format kinds a plugin can check with CaPlugin::checkFormat.
namespace format {
inline constexpr const char* NationalId = "national-id";
inline constexpr const char* CertificateSerial = "certificate-serial";
inline constexpr const char* CardNumber = "card-number";
inline constexpr const char* Identifier = "identifier";
} // namespace format

} // namespace certgate::plugin
