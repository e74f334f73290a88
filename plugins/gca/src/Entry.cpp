#include <certgate/ca/gca/GcaPlugin.hpp>
#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::ca::gca::GcaPlugin)
