#include <certgate/app/Trust.hpp>

#include <Poco/Logger.h>

namespace certgate::app {

Trust::Trust(
    const std::string& caProfilesDir, const std::string& pluginsDir, const core::Clock& clock)
{
    auto& log = Poco::Logger::get("certgate.plugins");
    profiles_ = pluginhost::ProfileLoader::loadFolder(caProfilesDir);
    for (const auto& error : profiles_.errors)
        log.error("CA profile refused: %s", error.message);
    // The validator trusts only the profiles whose plugin is loaded: a profile without its
    // plugin could chain certificates nobody can interpret.
    plugins_ = std::make_unique<pluginhost::PluginHost>(pluginsDir, profiles_);
    std::vector<core::CaProfile> usable;
    for (const auto& profile : profiles_.profiles)
        if (plugins_->find(profile.id))
            usable.push_back(profile);
    validator_ = std::make_unique<x509::OpenSslCertificateValidator>(std::move(usable), clock);
    verifier_ = std::make_unique<core::CardVerifier>(*validator_, *plugins_, clock);
}

} // namespace certgate::app
