#include <certgate/ca/common/CitizenRules.hpp>
#include <certgate/ca/common/Validators.hpp>

namespace certgate::ca::common {
namespace {

// Bounds the regular-expression work on values that come from a certificate.
constexpr std::size_t kMaxValueLength = 256;

std::regex compile(const plugin::ProfileView& profile, const std::string& key, std::string& text)
{
    text = profile.rule(key);
    if (text.empty())
        return {};
    try {
        return std::regex(text, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        refuse(
            code::ProfileInvalid, "rule " + key + ": '" + text + "' is not a regular expression");
    }
}

bool matches(const std::string& patternText, const std::regex& pattern, const std::string& value)
{
    if (value.size() > kMaxValueLength)
        return false;
    return patternText.empty() || std::regex_match(value, pattern);
}

} // namespace

CitizenRules CitizenRules::fromProfile(const plugin::ProfileView& profile)
{
    CitizenRules rules;
    rules.subjectType = SubjectTypeRules::fromProfile(profile);
    rules.nameFrom = profile.rule("nameFrom", rules.nameFrom);
    rules.subjectSerialNumberFrom
        = profile.rule("subjectSerialNumberFrom", rules.subjectSerialNumberFrom);
    rules.subjectSerialNumberPattern
        = compile(profile, "subjectSerialNumberPattern", rules.subjectSerialNumberPatternText);
    rules.idLast4Oid = requiredRule(profile, "idLast4Oid");
    if (!isValidOid(rules.idLast4Oid))
        refuse(code::ProfileInvalid, "rule idLast4Oid: '" + rules.idLast4Oid + "' is not an OID");
    rules.idLast4Pattern = compile(profile, "idLast4Pattern", rules.idLast4PatternText);
    rules.cardRankOid = profile.rule("cardRankOid");
    if (!rules.cardRankOid.empty() && !isValidOid(rules.cardRankOid))
        refuse(code::ProfileInvalid, "rule cardRankOid: '" + rules.cardRankOid + "' is not an OID");
    return rules;
}

plugin::Identity extractCitizenIdentity(
    const CitizenRules& rules, const plugin::CertificateView& certificate)
{
    plugin::Identity identity;
    identity.kind = plugin::CardKind::Citizen;
    identity.extra["subjectType"] = rules.subjectType.check(certificate, plugin::CardKind::Citizen);

    identity.name = lastSubjectValue(certificate, rules.nameFrom);
    if (identity.name.empty())
        refuse(code::CertMalformed, "certificate subject has no " + rules.nameFrom + " (name)");
    if (identity.name.size() > kMaxValueLength)
        refuse(code::CertMalformed, "certificate subject name is too long");

    identity.subjectSerialNumber = lastSubjectValue(certificate, rules.subjectSerialNumberFrom);
    if (!identity.subjectSerialNumber.empty()
        && !matches(rules.subjectSerialNumberPatternText, rules.subjectSerialNumberPattern,
            identity.subjectSerialNumber))
        refuse(code::CertMalformed, "subject serialNumber has an unexpected format");

    auto last4 = certificate.attributeValues(rules.idLast4Oid);
    if (!last4.empty()) {
        identity.idLast4 = last4.front();
        if (identity.idLast4.empty()
            || !matches(rules.idLast4PatternText, rules.idLast4Pattern, identity.idLast4))
            refuse(code::CertMalformed, "ID last-four attribute has an unexpected format");
    }

    auto serial = normaliseSerial(certificate.serialHex);
    if (!serial)
        refuse(code::CertMalformed, "certificate serial is not hex");
    identity.certificateSerial = *serial;
    identity.issuer = certificate.issuerString;

    if (!rules.cardRankOid.empty()) {
        auto ranks = certificate.attributeValues(rules.cardRankOid);
        if (!ranks.empty())
            identity.extra["cardRank"] = ranks.front();
    }
    return identity;
}

} // namespace certgate::ca::common
