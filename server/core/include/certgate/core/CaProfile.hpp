#pragma once

#include <certgate/plugin/Types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

using Bytes = std::vector<std::uint8_t>;

enum class RevocationMode { None, Crl, Ocsp, OcspThenCrl };

const char* toString(RevocationMode mode);
std::optional<RevocationMode> revocationModeFromString(const std::string& text);

struct RevocationSettings {
    RevocationMode mode = RevocationMode::OcspThenCrl;
    bool failOpen = false;
    std::string ocspUrl; ///< empty: from the certificate's AIA
    Bytes ocspResponder; ///< pinned responder certificate (PEM or DER file contents), or empty
    int ocspTimeoutMs = 3000;
    int ocspMaxAgeSeconds = 86400;
    /// 0: ask the responder on every validation. Otherwise a good or revoked answer is reused
    /// for this long, never past its nextUpdate nor beyond ocspMaxAgeSeconds after thisUpdate.
    int ocspCacheSeconds = 0;
    int clockSkewSeconds = 300;
    std::vector<std::string> crlUrls; ///< empty: from the certificate's CRLDP
    std::vector<Bytes> crlFiles; ///< local CRLs (PEM or DER file contents)
    std::vector<std::string> crlFilePaths;
    int crlTimeoutMs = 5000;
};

struct ServiceContact {
    std::string url;
    std::string phone;
    std::string applyUrl;
};

/// One CA profile (ca-profiles/<ca>.json, see ca-profiles/README.md), as plain data. Files
/// the JSON names are read by the loader: certificate files hold their raw contents (PEM,
/// possibly several certificates, or DER), parsed by the x509 adapter.
struct CaProfile {
    std::string id; ///< lowercase plugin id
    std::string plugin; ///< library base name
    plugin::CardKind kind = plugin::CardKind::Citizen;
    std::string displayNameZh;
    std::string displayNameEn;
    ServiceContact service;
    bool test = false;
    std::string notes;
    std::vector<Bytes> trustAnchors;
    std::vector<Bytes> intermediates;
    std::vector<std::string> trustAnchorPaths;
    std::vector<std::string> intermediatePaths;
    std::vector<std::string> issuerKeyIds; ///< uppercase hex
    std::vector<std::string> deniedIssuerKeyIds;
    std::vector<std::string> policies;
    RevocationSettings revocation;
    std::map<std::string, std::vector<std::string>> identityRules;
    std::string sourceFile;

    plugin::ProfileView view() const { return { id, kind, identityRules }; }
};

} // namespace certgate::core
