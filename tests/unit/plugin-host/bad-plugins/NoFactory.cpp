#include "FakePlugin.hpp"

extern "C" BOOST_SYMBOL_EXPORT int certgate_plugin_api_version()
{
    return certgate::plugin::kApiVersion;
}
