#pragma once

#include <certgate/ca/common/OrganisationCaPlugin.hpp>

namespace certgate::ca::hca {

/// HCA (醫事憑證管理中心) healthcare institution cards (HOP): the 10-character institution
/// code. Professional cards (HPC) are person cards and are refused.
class HcaPlugin final : public common::OrganisationCaPlugin {
public:
    HcaPlugin();
};

} // namespace certgate::ca::hca
