// An organisation CA that puts a unified business number in one subjectDirectoryAttributes
// attribute. Everything it knows comes from its profile's identity rules:
//   subjectTypeOid, acceptedSubjectTypes, identifierOid, organisationNameFrom.
#include <certgate/plugin/PluginExport.hpp>

#include <algorithm>
#include <array>

namespace example {

using certgate::plugin::CardKind;
using certgate::plugin::CertificateView;
using certgate::plugin::Identity;
using certgate::plugin::PluginError;
using certgate::plugin::ProfileView;

class ExampleCaPlugin final : public certgate::plugin::CaPlugin {
public:
    std::string id() const override { return "exampleca"; }
    CardKind kind() const override { return CardKind::Organisation; }

    void configure(const ProfileView& profile) override
    {
        subjectTypeOid_ = required(profile, "subjectTypeOid");
        accepted_ = profile.ruleList("acceptedSubjectTypes");
        identifierOid_ = required(profile, "identifierOid");
        nameFrom_ = required(profile, "organisationNameFrom");
    }

    Identity extractIdentity(const CertificateView& certificate) const override
    {
        auto types = certificate.attributeValues(subjectTypeOid_);
        if (types.empty())
            throw PluginError("CERT_MALFORMED", "no subjectType");
        if (std::find(accepted_.begin(), accepted_.end(), types.front()) == accepted_.end())
            throw PluginError(
                "WRONG_CARD_KIND", "subjectType " + types.front() + " is not accepted");
        Identity identity;
        identity.kind = CardKind::Organisation;
        identity.organisationName = certificate.subjectValue(nameFrom_);
        auto identifiers = certificate.attributeValues(identifierOid_);
        if (identity.organisationName.empty() || identifiers.empty())
            throw PluginError("CERT_MALFORMED", "no organisation name or identifier");
        identity.identifier = identifiers.front();
        if (!isUbn(identity.identifier))
            throw PluginError("CERT_MALFORMED", "identifier is not a unified business number");
        identity.identifierType = "ubn";
        identity.certificateSerial = certificate.serialHex;
        identity.issuer = certificate.issuerString;
        identity.extra["subjectType"] = types.front();
        return identity;
    }

    std::optional<std::string> checkFormat(
        std::string_view kind, std::string_view value) const override
    {
        if (kind != certgate::plugin::format::Identifier)
            return "unsupported";
        if (!isUbn(value))
            return "not a unified business number";
        return std::nullopt;
    }

private:
    static std::string required(const ProfileView& profile, const std::string& key)
    {
        auto value = profile.rule(key);
        if (value.empty())
            throw PluginError("PROFILE_INVALID", "identity rule '" + key + "' is missing");
        return value;
    }

    static bool isUbn(std::string_view text)
    {
        if (text.size() != 8
            || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        constexpr std::array<int, 8> weights { 1, 2, 1, 2, 1, 2, 4, 1 };
        int sum = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            int product = (text[i] - '0') * weights[i];
            sum += product / 10 + product % 10;
        }
        return sum % 5 == 0 || (text[6] == '7' && (sum + 1) % 5 == 0);
    }

    std::string subjectTypeOid_;
    std::vector<std::string> accepted_;
    std::string identifierOid_;
    std::string nameFrom_;
};

} // namespace example

CERTGATE_PLUGIN(example::ExampleCaPlugin)
