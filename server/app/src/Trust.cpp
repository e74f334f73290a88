#include <certgate/app/Trust.hpp>

#include <Poco/Logger.h>

#include <algorithm>
#include <set>

namespace certgate::app {

/// core::CertificateValidator whose OpenSSL validator can be replaced at run time.
class Trust::Swappable final : public core::CertificateValidator {
public:
    explicit Swappable(std::shared_ptr<const x509::OpenSslCertificateValidator> current)
        : current_(std::move(current))
    {
    }
    std::shared_ptr<const x509::OpenSslCertificateValidator> get() const
    {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void set(std::shared_ptr<const x509::OpenSslCertificateValidator> next)
    {
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }
    plugin::CertificateView parse(std::span<const std::uint8_t> der) const override
    {
        return get()->parse(der);
    }
    core::ChainResult validate(
        const plugin::CertificateView& leaf, const core::ValidationOptions& options) const override
    {
        return get()->validate(leaf, options);
    }
    void verifySignature(const plugin::CertificateView& leaf, std::string_view algorithm,
        std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) const override
    {
        get()->verifySignature(leaf, algorithm, data, signature);
    }
    core::Bytes cmsSignerCertificate(std::span<const std::uint8_t> cms) const override
    {
        return get()->cmsSignerCertificate(cms);
    }
    void verifyCmsSignature(const plugin::CertificateView& signer,
        std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content) const override
    {
        get()->verifyCmsSignature(signer, cms, content);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const x509::OpenSslCertificateValidator> current_;
};

namespace {

// The validator trusts only the profiles whose plugin is loaded: a profile without its
// plugin could chain certificates nobody can interpret.
std::vector<core::CaProfile> usable(
    const pluginhost::LoadedProfiles& loaded, const pluginhost::PluginHost& plugins)
{
    std::vector<core::CaProfile> out;
    for (const auto& profile : loaded.profiles)
        if (plugins.find(profile.id))
            out.push_back(profile);
    return out;
}

} // namespace

Trust::Trust(const std::string& caProfilesDir, const std::string& pluginsDir,
    const core::Clock& clock, core::CardStatistics* statistics)
    : profilesDir_(caProfilesDir)
    , clock_(clock)
{
    auto& log = Poco::Logger::get("certgate.plugins");
    profiles_ = pluginhost::ProfileLoader::loadFolder(caProfilesDir);
    for (const auto& error : profiles_.errors)
        log.error("CA profile refused: %s", error.message);
    plugins_ = std::make_unique<pluginhost::PluginHost>(pluginsDir, profiles_);
    swappable_ = std::make_unique<Swappable>(
        std::make_shared<x509::OpenSslCertificateValidator>(usable(profiles_, *plugins_), clock));
    verifier_ = std::make_unique<core::CardVerifier>(*swappable_, *plugins_, clock, statistics);
}

Trust::~Trust() = default;

std::shared_ptr<const x509::OpenSslCertificateValidator> Trust::validator() const
{
    return swappable_->get();
}

pluginhost::LoadedProfiles Trust::profiles() const
{
    std::lock_guard lock(mutex_);
    return profiles_;
}

Trust::ReloadResult Trust::reload()
{
    ReloadResult result;
    auto fresh = pluginhost::ProfileLoader::loadFolder(profilesDir_);
    auto previous = profiles();
    pluginhost::LoadedProfiles next;
    std::set<std::string> ids;
    for (auto& profile : fresh.profiles) {
        if (!plugins_->find(profile.id)) {
            result.messages.push_back("profile " + profile.id + " (" + profile.sourceFile
                + ") left out: its plugin is not loaded (restart to load new plugins)");
            continue;
        }
        ids.insert(profile.id);
        next.profiles.push_back(std::move(profile));
    }
    // A profile file that no longer loads keeps the version in use, and says why.
    for (const auto& error : fresh.errors) {
        auto old = std::find_if(previous.profiles.begin(), previous.profiles.end(),
            [&](const core::CaProfile& p) { return p.sourceFile == error.file; });
        if (old != previous.profiles.end() && !ids.count(old->id)) {
            result.kept.push_back(old->id);
            result.messages.push_back("profile " + old->id + " kept as it was: " + error.message);
            ids.insert(old->id);
            next.profiles.push_back(*old);
        } else {
            result.messages.push_back("CA profile refused: " + error.message);
        }
        next.errors.push_back(error);
    }
    std::shared_ptr<const x509::OpenSslCertificateValidator> validator;
    try {
        validator = std::make_shared<x509::OpenSslCertificateValidator>(next.profiles, clock_);
    } catch (const std::exception& e) {
        result.messages.push_back(
            std::string("the profiles were not taken up, the previous ones stay: ") + e.what());
        return result;
    }
    swappable_->set(std::move(validator));
    {
        std::lock_guard lock(mutex_);
        profiles_ = std::move(next);
        status_.reset();
    }
    result.changed = true;
    result.messages.push_back("CA profiles reloaded from " + profilesDir_);
    return result;
}

TrustReport Trust::status() const
{
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    if (!status_ || now - statusAt_ >= 60) {
        status_ = std::make_unique<TrustReport>(trustStatus(profiles_, now));
        for (auto& p : status_->profiles)
            if (!plugins_->find(p.id)) {
                p.trust.acceptsCards = false;
                p.trust.problems.push_back("its plugin is not loaded");
            }
        statusAt_ = now;
    }
    return *status_;
}

} // namespace certgate::app
