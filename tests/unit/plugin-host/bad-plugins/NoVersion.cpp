#include "FakePlugin.hpp"

#include <boost/dll/alias.hpp>

BOOST_DLL_ALIAS(certgate::test::bad::forbiddenFactory, certgate_create_plugin)
