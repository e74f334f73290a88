#include <certgate/ca/common/CitizenCaPlugin.hpp>
#include <certgate/ca/common/Validators.hpp>

namespace certgate::ca::common {

std::chrono::year_month_day CitizenCaPlugin::taipeiToday()
{
    return taipeiDate(std::chrono::system_clock::now());
}

CitizenCaPlugin::CitizenCaPlugin(std::string id, Today today)
    : id_(std::move(id))
    , today_(std::move(today))
{
}

void CitizenCaPlugin::configure(const plugin::ProfileView& profile)
{
    if (profile.kind != plugin::CardKind::Citizen)
        refuse(code::ProfileInvalid, "profile " + profile.id + " is not of kind citizen");
    rules_ = CitizenRules::fromProfile(profile);
}

plugin::Identity CitizenCaPlugin::extractIdentity(const plugin::CertificateView& certificate) const
{
    if (!rules_)
        refuse(code::ProfileInvalid, "plugin " + id_ + " has not been configured");
    return extractCitizenIdentity(*rules_, certificate);
}

std::optional<std::string> CitizenCaPlugin::checkFormat(
    std::string_view kind, std::string_view value) const
{
    if (kind == plugin::format::NationalId) {
        if (isValidNationalId(value, today_()))
            return std::nullopt;
        return "not a valid national ID or resident certificate number";
    }
    if (kind == plugin::format::CertificateSerial) {
        if (isValidCertificateSerial(value))
            return std::nullopt;
        return "not a certificate serial (up to 40 hexadecimal digits)";
    }
    if (kind == plugin::format::CardNumber) {
        if (isValidCardNumber(value))
            return std::nullopt;
        return "not a card number (2 capital letters and 14 digits)";
    }
    return "unsupported";
}

} // namespace certgate::ca::common
