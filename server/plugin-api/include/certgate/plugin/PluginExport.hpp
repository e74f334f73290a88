#pragma once

// Include this from exactly one .cpp of a plugin and write CERTGATE_PLUGIN(MyPlugin) at
// namespace scope. It exports the two entry points the host looks for:
//   extern "C" int certgate_plugin_api_version();  — checked first, before anything else;
//   Boost.DLL alias "certgate_create_plugin"        — std::unique_ptr<CaPlugin>() factory.
// Boost.DLL's alias header is header-only: a plugin links nothing but this API.

#include <certgate/plugin/CaPlugin.hpp>

#include <boost/dll/alias.hpp>

#include <memory>

#define CERTGATE_PLUGIN(PluginClass)                                                               \
    extern "C" BOOST_SYMBOL_EXPORT int certgate_plugin_api_version()                               \
    {                                                                                              \
        return ::certgate::plugin::kApiVersion;                                                    \
    }                                                                                              \
    namespace certgate_plugin_entry {                                                              \
    std::unique_ptr<::certgate::plugin::CaPlugin> create()                                         \
    {                                                                                              \
        return std::make_unique<PluginClass>();                                                    \
    }                                                                                              \
    }                                                                                              \
    BOOST_DLL_ALIAS(certgate_plugin_entry::create, certgate_create_plugin)
