#include "FakePlugin.hpp"

#include <certgate/plugin/PluginExport.hpp>

CERTGATE_PLUGIN(certgate::test::bad::FakePlugin)
