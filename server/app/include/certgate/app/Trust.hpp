#pragma once

#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/pluginhost/PluginHost.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <memory>
#include <string>

namespace certgate::app {

/// The certificate-judging part of the server: CA profiles, their plugins, the OpenSSL
/// validator and the card verifier. Used by `serve` and by the offline commands.
class Trust {
public:
    Trust(
        const std::string& caProfilesDir, const std::string& pluginsDir, const core::Clock& clock);

    const pluginhost::PluginHost& plugins() const { return *plugins_; }
    const x509::OpenSslCertificateValidator& validator() const { return *validator_; }
    const core::CardVerifier& verifier() const { return *verifier_; }
    const pluginhost::LoadedProfiles& profiles() const { return profiles_; }

private:
    pluginhost::LoadedProfiles profiles_;
    std::unique_ptr<pluginhost::PluginHost> plugins_;
    std::unique_ptr<x509::OpenSslCertificateValidator> validator_;
    std::unique_ptr<core::CardVerifier> verifier_;
};

} // namespace certgate::app
