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

/// An issuing-CA certificate a profile expects but may not hold yet (`expectedIssuingCas`):
/// what real cards carry and what the CA publishes, so that a missing certificate is named
/// in refusals and `certgate ca import` can check a file against it. Never a reason to trust.
struct ExpectedCa {
    std::string name; ///< e.g. "政府憑證管理中心 (GCA G2)"
    std::string keyId; ///< uppercase hex SKI real cards carry as their AKI, or empty
    std::string sha256; ///< lowercase hex DER fingerprint the CA publishes, or empty
    std::string url; ///< where the CA publishes the certificate
    std::string note;
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
    /// Subject DNs (RFC 4514, as inspect-cert prints them) of this CA's issuing CAs: cards
    /// whose issuer DN is one of these are named as this CA's in refusals and diagnostics.
    /// Trust is by key identifier only; a name never makes a certificate acceptable.
    std::vector<std::string> issuerNames;
    std::vector<ExpectedCa> expectedIssuingCas;
    std::vector<std::string> policies;
    RevocationSettings revocation;
    std::map<std::string, std::vector<std::string>> identityRules;
    std::string sourceFile;

    plugin::ProfileView view() const { return { id, kind, identityRules }; }
};

} // namespace certgate::core
