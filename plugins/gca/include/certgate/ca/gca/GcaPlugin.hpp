#pragma once

#include <certgate/ca/common/OrganisationCaPlugin.hpp>

namespace certgate::ca::gca {

/// GCA (政府憑證管理中心) agency cards. The agency OID's attribute is unconfirmed on a real card;
/// where it is read from is profile data (ca-profiles/gca.json), not code.
class GcaPlugin final : public common::OrganisationCaPlugin {
public:
    GcaPlugin();
};

} // namespace certgate::ca::gca
