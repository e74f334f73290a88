#include <certgate/ca/hca/HcaPlugin.hpp>

namespace certgate::ca::hca {

HcaPlugin::HcaPlugin()
    : OrganisationCaPlugin("hca")
{
}

} // namespace certgate::ca::hca
