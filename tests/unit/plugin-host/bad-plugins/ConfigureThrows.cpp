#include "FakePlugin.hpp"

#include <certgate/plugin/PluginExport.hpp>

namespace {

class BrokenConfigure : public certgate::test::bad::FakePlugin {
public:
    // Not even a std::exception: the host must survive anything.
    void configure(const certgate::plugin::ProfileView&) override { throw 42; }
};

} // namespace

CERTGATE_PLUGIN(BrokenConfigure)
