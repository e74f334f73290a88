#pragma once

namespace certgate::plugin {

/// Interface version of the CA plugin API. The host reads `certgate_plugin_api_version()`
/// from a library before it looks for the factory, and refuses any other value. Bump it on
/// every change to a type or virtual function in this folder.
inline constexpr int kApiVersion = 1;

/// Names of the symbols a plugin library exports (see PluginExport.hpp).
inline constexpr const char* kApiVersionSymbol = "certgate_plugin_api_version";
inline constexpr const char* kFactoryAlias = "certgate_create_plugin";

} // namespace certgate::plugin
