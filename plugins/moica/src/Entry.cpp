#include <certgate/ca/moica/MoicaPlugin.hpp>
#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::ca::moica::MoicaPlugin)
