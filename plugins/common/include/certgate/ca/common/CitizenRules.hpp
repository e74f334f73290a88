#pragma once

#include <certgate/ca/common/SubjectTypeRules.hpp>
#include <certgate/plugin/Types.hpp>

#include <regex>
#include <string>

namespace certgate::ca::common {

/// The identity rules of a citizen CA's profile (ca-profiles/moica.json): `nameFrom` (RDN,
/// default CN), `subjectSerialNumberFrom` (RDN, default serialNumber) and its optional
/// `subjectSerialNumberPattern`, `idLast4Oid` (required) and its optional `idLast4Pattern`
/// (ECMAScript regular expressions matched against the whole value), `cardRankOid`.
struct CitizenRules {
    SubjectTypeRules subjectType;
    std::string nameFrom = "CN";
    std::string subjectSerialNumberFrom = "serialNumber";
    std::string subjectSerialNumberPatternText;
    std::regex subjectSerialNumberPattern;
    std::string idLast4Oid;
    std::string idLast4PatternText;
    std::regex idLast4Pattern;
    std::string cardRankOid;

    /// Throws PluginError(PROFILE_INVALID) naming the missing or malformed rule.
    static CitizenRules fromProfile(const plugin::ProfileView& profile);
};

/// Extracts a citizen card's identity. The name is required. The last four ID characters and
/// the subject serialNumber are optional (SPEC §3.1: "where the certificate carries" them) but
/// must match their patterns when present. Throws PluginError: WRONG_CARD_KIND (see
/// SubjectTypeRules::check) or CERT_MALFORMED.
plugin::Identity extractCitizenIdentity(
    const CitizenRules& rules, const plugin::CertificateView& certificate);

} // namespace certgate::ca::common
