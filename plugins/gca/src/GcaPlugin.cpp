#include <certgate/ca/gca/GcaPlugin.hpp>

namespace certgate::ca::gca {

GcaPlugin::GcaPlugin()
    : OrganisationCaPlugin("gca")
{
}

} // namespace certgate::ca::gca
