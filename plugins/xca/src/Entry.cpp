#include <certgate/ca/xca/XcaPlugin.hpp>
#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::ca::xca::XcaPlugin)
