#pragma once

#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/x509/CaCertificates.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>
#include <vector>

namespace certgate::app {

/// The truth about every CA profile's trust material at one time: `certgate ca status`, the
/// start-up warnings, /api/v1/health and the admin page's CA view all read this.
struct TrustReport {
    struct Profile {
        std::string id;
        std::string nameZh;
        std::string nameEn;
        bool test = false;
        std::string revocation; ///< mode
        bool failOpen = false;
        x509::ProfileTrust trust;
    };
    std::int64_t at = 0;
    std::vector<Profile> profiles;
    std::vector<std::string> errors; ///< profiles that did not load at all, and why

    bool allAcceptCards() const;
};

/// From profiles already loaded; `extraProblems` per profile id (e.g. its plugin is missing).
TrustReport trustStatus(const pluginhost::LoadedProfiles& loaded, std::int64_t at);
/// Loads the folder first (as the server would, validator included).
TrustReport trustStatus(const std::string& profilesDir, std::int64_t at);

/// {"at", "acceptsCards", "profiles": [{id, name, nameEn, test, revocation, failOpen,
/// acceptsCards, certificates: [...], problems, warnings, missing}], "errors"}
Poco::JSON::Object::Ptr trustStatusJson(const TrustReport& report);
/// The same for a terminal, one block per profile.
std::string trustStatusText(const TrustReport& report);

} // namespace certgate::app
