#include <certgate/ca/hca/HcaPlugin.hpp>
#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::ca::hca::HcaPlugin)
