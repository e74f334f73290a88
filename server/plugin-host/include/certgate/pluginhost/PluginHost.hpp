#pragma once

#include <certgate/core/CaRegistry.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::pluginhost {

/// Loads one CA plugin per profile from `<pluginDir>/<profile.plugin>.so` with Boost.DLL.
/// A library is refused, with one log line on Poco logger "certgate.plugins", when it is
/// missing or cannot be loaded, lacks `certgate_plugin_api_version` (read before anything
/// else), speaks another API version, lacks the factory alias, when its factory, id(), kind()
/// or configure() throws, when its id or kind differs from the profile's, or when an earlier
/// profile has the same id. Refusals do not stop the other plugins.
///
/// Each library outlives every object it created: plugins are destroyed before the library
/// handles. After construction the host is immutable and safe to read from any thread.
class PluginHost final : public core::CaRegistry {
public:
    PluginHost(std::filesystem::path pluginDir, std::vector<core::CaProfile> profiles);
    /// Also lists the profile files that failed to load (not loaded, with their error).
    PluginHost(std::filesystem::path pluginDir, LoadedProfiles profiles);
    ~PluginHost() override;
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    const plugin::CaPlugin* find(std::string_view id) const override;
    const core::CaProfile* profile(std::string_view id) const override;
    std::vector<core::LoadedCa> list() const override;

    /// Ids of the loaded plugins, in profile order.
    std::vector<std::string> loadedIds() const;

private:
    struct Entry;
    void load(Entry& entry, const std::vector<std::string>& earlierIds);

    std::filesystem::path pluginDir_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

} // namespace certgate::pluginhost
