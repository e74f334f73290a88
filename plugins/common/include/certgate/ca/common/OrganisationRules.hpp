#pragma once

#include <certgate/ca/common/SubjectTypeRules.hpp>
#include <certgate/plugin/Types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::ca::common {

/// Where an organisation identifier is read from (profile rule `identifierSources`):
///   "sda:<oid>"            first value of that subjectDirectoryAttributes attribute;
///   "subject:<name|oid>"   value of that subject RDN;
///   "sda-oid-under:<arc>"  first value of any SDA attribute (subjectType excepted) that is an
///                          OID under <arc>.
struct IdentifierSource {
    enum class Type { Sda, Subject, SdaOidUnder };
    Type type = Type::Sda;
    std::string argument;

    static IdentifierSource parse(const std::string& text); ///< PROFILE_INVALID on error
    std::string toString() const;
};

/// Profile rule `identifierFormat`: "ubn" | "institution-code" | "oid-under:<arc>".
struct IdentifierFormat {
    enum class Type { Ubn, InstitutionCode, OidUnder };
    Type type = Type::Ubn;
    std::string arc;

    static IdentifierFormat parse(const std::string& text); ///< PROFILE_INVALID on error
    /// Empty when `value` is well-formed, else a short English reason.
    std::optional<std::string> check(std::string_view value) const;
};

/// The identity rules of an organisation CA's profile (ca-profiles/README.md).
struct OrganisationRules {
    SubjectTypeRules subjectType;
    std::vector<std::string> organisationNameFrom; ///< RDN names tried in order
    std::string identifierType;
    std::vector<IdentifierSource> identifierSources;
    bool identifierCrossCheck = false;
    IdentifierFormat identifierFormat;
    std::string cardRankOid; ///< optional

    /// Throws PluginError(PROFILE_INVALID) naming the missing or malformed rule.
    static OrganisationRules fromProfile(const plugin::ProfileView& profile);
};

/// Extracts an organisation card's identity. Throws PluginError: WRONG_CARD_KIND (see
/// SubjectTypeRules::check), CERT_MALFORMED when the name or identifier is missing, when
/// cross-checked sources disagree, or when the identifier has the wrong format.
plugin::Identity extractOrganisationIdentity(
    const OrganisationRules& rules, const plugin::CertificateView& certificate);

} // namespace certgate::ca::common
