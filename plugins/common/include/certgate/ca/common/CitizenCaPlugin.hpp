#pragma once

#include <certgate/ca/common/CitizenRules.hpp>
#include <certgate/plugin/CaPlugin.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace certgate::ca::common {

/// A CaPlugin for a citizen CA (MOICA) driven by its profile's identity rules (CitizenRules).
class CitizenCaPlugin : public plugin::CaPlugin {
public:
    /// Today's date in Asia/Taipei; old-format resident numbers depend on it.
    using Today = std::function<std::chrono::year_month_day()>;
    static std::chrono::year_month_day taipeiToday();

    explicit CitizenCaPlugin(std::string id, Today today = &CitizenCaPlugin::taipeiToday);

    std::string id() const override { return id_; }
    plugin::CardKind kind() const override { return plugin::CardKind::Citizen; }
    void configure(const plugin::ProfileView& profile) override;
    plugin::Identity extractIdentity(const plugin::CertificateView& certificate) const override;
    /// Knows plugin::format::NationalId (checksum; residents' numbers too),
    /// CertificateSerial (hex, separators allowed) and CardNumber.
    std::optional<std::string> checkFormat(
        std::string_view kind, std::string_view value) const override;

private:
    std::string id_;
    Today today_;
    std::optional<CitizenRules> rules_;
};

} // namespace certgate::ca::common
