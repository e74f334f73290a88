#pragma once

#include <certgate/ca/common/OrganisationCaPlugin.hpp>

namespace certgate::ca::moeaca {

/// MOEACA (工商憑證管理中心) business cards: the unified business number, in SDA .2.101 and,
/// on newer certificates, the subject serialNumber; both copies must agree.
class MoeacaPlugin final : public common::OrganisationCaPlugin {
public:
    MoeacaPlugin();
};

} // namespace certgate::ca::moeaca
