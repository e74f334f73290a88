#include <certgate/ca/common/OrganisationCaPlugin.hpp>

namespace certgate::ca::common {

OrganisationCaPlugin::OrganisationCaPlugin(std::string id)
    : id_(std::move(id))
{
}

void OrganisationCaPlugin::configure(const plugin::ProfileView& profile)
{
    if (profile.kind != plugin::CardKind::Organisation)
        refuse(code::ProfileInvalid, "profile " + profile.id + " is not of kind organisation");
    rules_ = OrganisationRules::fromProfile(profile);
}

const OrganisationRules& OrganisationCaPlugin::rules() const
{
    if (!rules_)
        refuse(code::ProfileInvalid, "plugin " + id_ + " has not been configured");
    return *rules_;
}

plugin::Identity OrganisationCaPlugin::extractIdentity(
    const plugin::CertificateView& certificate) const
{
    return extractOrganisationIdentity(rules(), certificate);
}

std::optional<std::string> OrganisationCaPlugin::checkFormat(
    std::string_view kind, std::string_view value) const
{
    if (kind == plugin::format::Identifier)
        return rules().identifierFormat.check(value);
    return "unsupported";
}

} // namespace certgate::ca::common
