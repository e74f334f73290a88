#pragma once

#include <certgate/plugin/PluginError.hpp>
#include <certgate/plugin/Types.hpp>

#include <string>
#include <vector>

namespace certgate::ca::common {

/// Error codes plugins throw (SPEC §5, plugin::CaPlugin).
namespace code {
inline constexpr const char* CertMalformed = "CERT_MALFORMED";
inline constexpr const char* WrongCardKind = "WRONG_CARD_KIND";
inline constexpr const char* ProfileInvalid = "PROFILE_INVALID";
} // namespace code

/// GPKI subjectType value arcs (taiwan-pki.md §1.2): persons (citizen, alien resident,
/// healthcare professional), organisations, servers.
inline constexpr const char* kPersonSubjectTypeArc = "2.16.886.1.100.3.1";
inline constexpr const char* kOrganisationSubjectTypeArc = "2.16.886.1.100.3.2";
inline constexpr const char* kServerSubjectTypeArc = "2.16.886.1.100.3.3";

[[noreturn]] void refuse(const char* errorCode, const std::string& detail);

/// The rule `key` of the profile, or PluginError(PROFILE_INVALID) naming it when absent.
std::string requiredRule(const plugin::ProfileView& profile, const std::string& key);

/// The value of the LAST RDN of the subject with this short name or OID (the most specific
/// one: GCA puts the agency below its parent in a second OU), or empty.
std::string lastSubjectValue(const plugin::CertificateView& certificate, const std::string& name);

/// The profile's subjectType rules: `subjectTypeOid` (required), `acceptedSubjectTypes` (empty
/// = any of the card kind), `serverSubjectTypes`.
class SubjectTypeRules {
public:
    static SubjectTypeRules fromProfile(const plugin::ProfileView& profile);

    /// Returns the certificate's subjectType when it is a login card of `expected` kind.
    /// Throws PluginError: CERT_MALFORMED when the attribute is missing, ambiguous or not an
    /// OID; WRONG_CARD_KIND for a server certificate, a card of the other kind, or a
    /// subjectType the profile does not accept.
    std::string check(const plugin::CertificateView& certificate, plugin::CardKind expected) const;

    const std::string& attributeOid() const { return attributeOid_; }

private:
    std::string attributeOid_;
    std::vector<std::string> accepted_;
    std::vector<std::string> server_;
};

} // namespace certgate::ca::common
