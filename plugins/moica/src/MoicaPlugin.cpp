#include <certgate/ca/moica/MoicaPlugin.hpp>

namespace certgate::ca::moica {

MoicaPlugin::MoicaPlugin()
    : CitizenCaPlugin("moica")
{
}

} // namespace certgate::ca::moica
