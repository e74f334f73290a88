#include <certgate/ca/common/SubjectTypeRules.hpp>
#include <certgate/ca/common/Validators.hpp>

#include <algorithm>

namespace certgate::ca::common {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> oidList(const plugin::ProfileView& profile, const std::string& key)
{
    auto list = profile.ruleList(key);
    for (const auto& oid : list)
        if (!isValidOid(oid))
            refuse(code::ProfileInvalid, "rule " + key + ": '" + oid + "' is not an OID");
    return list;
}

} // namespace

void refuse(const char* errorCode, const std::string& detail)
{
    throw plugin::PluginError(errorCode, detail);
}

std::string requiredRule(const plugin::ProfileView& profile, const std::string& key)
{
    auto value = profile.rule(key);
    if (value.empty())
        refuse(code::ProfileInvalid,
            "profile " + profile.id + ": identity rule '" + key + "' is missing");
    return value;
}

std::string lastSubjectValue(const plugin::CertificateView& certificate, const std::string& name)
{
    for (auto it = certificate.subject.rbegin(); it != certificate.subject.rend(); ++it)
        if (it->shortName == name || it->oid == name)
            return it->value;
    return {};
}

SubjectTypeRules SubjectTypeRules::fromProfile(const plugin::ProfileView& profile)
{
    SubjectTypeRules rules;
    rules.attributeOid_ = requiredRule(profile, "subjectTypeOid");
    if (!isValidOid(rules.attributeOid_))
        refuse(code::ProfileInvalid,
            "rule subjectTypeOid: '" + rules.attributeOid_ + "' is not an OID");
    rules.accepted_ = oidList(profile, "acceptedSubjectTypes");
    rules.server_ = oidList(profile, "serverSubjectTypes");
    return rules;
}

std::string SubjectTypeRules::check(
    const plugin::CertificateView& certificate, plugin::CardKind expected) const
{
    auto values = certificate.attributeValues(attributeOid_);
    if (values.empty())
        refuse(code::CertMalformed, "certificate has no subjectType attribute " + attributeOid_);
    const std::string& subjectType = values.front();
    for (const auto& other : values)
        if (other != subjectType)
            refuse(code::CertMalformed, "certificate has several different subjectType values");
    if (!isValidOid(subjectType))
        refuse(code::CertMalformed, "subjectType value is not an OID");

    // SPEC §5: a server certificate is never a login card, whatever the profile accepts.
    if (contains(server_, subjectType) || isOidUnder(subjectType, kServerSubjectTypeArc))
        refuse(code::WrongCardKind, "server certificate (subjectType " + subjectType + ")");
    if (contains(accepted_, subjectType))
        return subjectType;

    const char* otherKindArc = expected == plugin::CardKind::Citizen ? kOrganisationSubjectTypeArc
                                                                     : kPersonSubjectTypeArc;
    if (isOidUnder(subjectType, otherKindArc))
        refuse(code::WrongCardKind,
            std::string("not a ") + plugin::toString(expected) + " card (subjectType " + subjectType
                + ")");
    if (!accepted_.empty())
        refuse(
            code::WrongCardKind, "subjectType " + subjectType + " is not accepted by this profile");
    return subjectType;
}

} // namespace certgate::ca::common
