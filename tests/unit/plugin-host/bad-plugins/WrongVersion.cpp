#include "FakePlugin.hpp"

#include <boost/dll/alias.hpp>

extern "C" BOOST_SYMBOL_EXPORT int certgate_plugin_api_version()
{
    return certgate::plugin::kApiVersion + 1;
}
BOOST_DLL_ALIAS(certgate::test::bad::forbiddenFactory, certgate_create_plugin)
