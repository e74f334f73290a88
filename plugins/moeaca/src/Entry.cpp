#include <certgate/ca/moeaca/MoeacaPlugin.hpp>
#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::ca::moeaca::MoeacaPlugin)
