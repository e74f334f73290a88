#pragma once

#include <certgate/ca/common/OrganisationRules.hpp>
#include <certgate/plugin/CaPlugin.hpp>

#include <optional>
#include <string>

namespace certgate::ca::common {

/// A CaPlugin for an organisation CA whose knowledge is all in its profile's identity rules
/// (OrganisationRules). GCA, XCA, MOEACA and HCA are this with their own id.
class OrganisationCaPlugin : public plugin::CaPlugin {
public:
    explicit OrganisationCaPlugin(std::string id);

    std::string id() const override { return id_; }
    plugin::CardKind kind() const override { return plugin::CardKind::Organisation; }
    void configure(const plugin::ProfileView& profile) override;
    plugin::Identity extractIdentity(const plugin::CertificateView& certificate) const override;
    /// Knows plugin::format::Identifier (per the profile's identifierFormat).
    std::optional<std::string> checkFormat(
        std::string_view kind, std::string_view value) const override;

private:
    const OrganisationRules& rules() const;

    std::string id_;
    std::optional<OrganisationRules> rules_;
};

} // namespace certgate::ca::common
