#pragma once

#include <certgate/core/CaProfile.hpp>
#include <certgate/plugin/CaPlugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace certgate::core {

/// What the admin page and logs tell about each profile found at start.
struct LoadedCa {
    std::string id;
    std::string library; ///< path of the plugin library
    bool loaded = false;
    std::string error; ///< why it was refused (empty when loaded)
    const CaProfile* profile = nullptr;
};

/// Port: the CA plugins loaded at start (plugin-host adapter, Boost.DLL).
class CaRegistry {
public:
    virtual ~CaRegistry() = default;
    /// The loaded plugin for a profile id, or nullptr.
    virtual const plugin::CaPlugin* find(std::string_view id) const = 0;
    virtual const CaProfile* profile(std::string_view id) const = 0;
    virtual std::vector<LoadedCa> list() const = 0;
};

} // namespace certgate::core
