#include <certgate/ca/moeaca/MoeacaPlugin.hpp>

namespace certgate::ca::moeaca {

MoeacaPlugin::MoeacaPlugin()
    : OrganisationCaPlugin("moeaca")
{
}

} // namespace certgate::ca::moeaca
