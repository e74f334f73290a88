#include "FakePlugin.hpp"

#include <certgate/plugin/PluginExport.hpp>

namespace {

class ThrowingExtract : public certgate::test::bad::FakePlugin {
public:
    certgate::plugin::Identity extractIdentity(
        const certgate::plugin::CertificateView&) const override
    {
        throw certgate::plugin::PluginError("WRONG_CARD_KIND", "thrown inside the library");
    }
};

} // namespace

CERTGATE_PLUGIN(ThrowingExtract)
