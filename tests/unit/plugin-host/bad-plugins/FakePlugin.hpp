#pragma once

#include <certgate/plugin/CaPlugin.hpp>

#include <boost/config.hpp>

#include <cstdlib>
#include <memory>
#include <string>

// Misbehaving CA plugins for PluginHostTest: each library breaks one rule of the plugin
// contract. BAD_PLUGIN_ID is set per library by CMake.
namespace certgate::test::bad {

class FakePlugin : public plugin::CaPlugin {
public:
    std::string id() const override { return BAD_PLUGIN_ID; }
    plugin::CardKind kind() const override { return plugin::CardKind::Organisation; }
    void configure(const plugin::ProfileView&) override { }
    plugin::Identity extractIdentity(const plugin::CertificateView&) const override { return {}; }
    std::optional<std::string> checkFormat(std::string_view, std::string_view) const override
    {
        return std::nullopt;
    }
};

// A factory the host must never reach: calling it kills the test.
inline std::unique_ptr<plugin::CaPlugin> forbiddenFactory()
{
    std::abort();
}

} // namespace certgate::test::bad
