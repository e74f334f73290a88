#pragma once

#include <certgate/ca/common/OrganisationCaPlugin.hpp>

namespace certgate::ca::xca {

/// XCA (組織及團體憑證管理中心) cards of schools, foundations and associations: organisation
/// OID under 2.16.886.111 in SDA .2.102 (taiwan-pki.md §7).
class XcaPlugin final : public common::OrganisationCaPlugin {
public:
    XcaPlugin();
};

} // namespace certgate::ca::xca
