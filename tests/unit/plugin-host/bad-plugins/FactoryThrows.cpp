#include "FakePlugin.hpp"

#include <certgate/plugin/PluginExport.hpp>

#include <stdexcept>

namespace {

class NoPlugin : public certgate::test::bad::FakePlugin {
public:
    NoPlugin() { throw std::runtime_error("no licence for this CA"); }
};

} // namespace

CERTGATE_PLUGIN(NoPlugin)
