#include <certgate/ca/xca/XcaPlugin.hpp>

namespace certgate::ca::xca {

XcaPlugin::XcaPlugin()
    : OrganisationCaPlugin("xca")
{
}

} // namespace certgate::ca::xca
