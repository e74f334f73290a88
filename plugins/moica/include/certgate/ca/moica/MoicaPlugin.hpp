#pragma once

#include <certgate/ca/common/CitizenCaPlugin.hpp>

namespace certgate::ca::moica {

/// MOICA (內政部憑證管理中心) citizen cards: name, last four ID characters, subject serialNumber.
class MoicaPlugin final : public common::CitizenCaPlugin {
public:
    MoicaPlugin();
};

} // namespace certgate::ca::moica
