#pragma once

#include <certgate/app/TrustStatus.hpp>
#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/pluginhost/PluginHost.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace certgate::app {

/// The certificate-judging part of the server: CA profiles, their plugins, the OpenSSL
/// validator and the card verifier. Used by `serve` and by the offline commands.
///
/// The trust material (anchors, intermediates, key ids, revocation settings) can be reloaded
/// while requests are in flight: each validation runs on the validator it started with, and
/// the next one on the new. Plugins and their identity rules stay as loaded at start.
class Trust {
public:
    /// `statistics`: where the card verifier also counts every judged card (serve).
    Trust(const std::string& caProfilesDir, const std::string& pluginsDir, const core::Clock& clock,
        core::CardStatistics* statistics = nullptr);
    ~Trust();

    const pluginhost::PluginHost& plugins() const { return *plugins_; }
    /// The current validator; hold the pointer for as long as its answers are used.
    std::shared_ptr<const x509::OpenSslCertificateValidator> validator() const;
    const core::CardVerifier& verifier() const { return *verifier_; }
    /// The profiles in use now (a copy: a reload may replace them).
    pluginhost::LoadedProfiles profiles() const;

    /// What a reload did: one line per change or refusal (English), and whether anything
    /// changed at all.
    struct ReloadResult {
        bool changed = false;
        std::vector<std::string> kept; ///< profiles that failed to load: previous one kept
        std::vector<std::string> messages;
    };
    /// Re-reads the profiles folder. A profile that fails to load keeps its previous version;
    /// a profile whose plugin is not loaded is left out; when the whole set is refused (two
    /// profiles claiming one key, ...) nothing changes. Never throws for bad trust material.
    ReloadResult reload();

    /// The state of every profile now (cached for a minute; recomputed after a reload).
    TrustReport status() const;

private:
    class Swappable;
    std::string profilesDir_;
    const core::Clock& clock_;
    mutable std::mutex mutex_;
    pluginhost::LoadedProfiles profiles_;
    mutable std::unique_ptr<TrustReport> status_;
    mutable std::int64_t statusAt_ = 0;
    std::unique_ptr<pluginhost::PluginHost> plugins_;
    std::unique_ptr<Swappable> swappable_;
    std::unique_ptr<core::CardVerifier> verifier_;
};

} // namespace certgate::app
