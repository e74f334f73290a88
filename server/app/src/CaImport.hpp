#pragma once

#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/x509/CaCertificates.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace certgate::app {

/// One certificate offered to `certgate ca import`, and what import makes of it.
struct ImportItem {
    enum class Verdict { Add, Present, Refused };
    x509::CaCertificate certificate;
    std::string source; ///< the file it came from
    Verdict verdict = Verdict::Refused;
    std::string role; ///< "anchor", "link", "issuing-ca"
    std::vector<std::string> profiles; ///< target profile ids (Add) or holders (Present)
    std::string reason; ///< why refused (English)
    std::string chainsTo; ///< the issuer it was verified with: subject (key id)
    std::string fingerprint; ///< what the profile's published fingerprint says, or ""
    bool fingerprintMismatch = false;
};

struct ImportOptions {
    std::vector<std::string> profiles; ///< --profile ID (repeatable)
    /// --anchor FILE --sha256 FP: a new root generation, pinned only when its DER fingerprint
    /// is the one given.
    std::string anchorFile;
    std::string anchorSha256;
};

struct ImportInput {
    std::string file;
    std::vector<x509::CaCertificate> certificates;
};

/// Decides, for each offered certificate, whether it is added (and to which profiles),
/// already present, or refused. Verification is by signature up to an anchor a profile
/// already pins (or the --anchor given), issuers matched by key identifier.
std::vector<ImportItem> planImport(const pluginhost::LoadedProfiles& loaded,
    const std::vector<ImportInput>& inputs, const ImportOptions& options);

/// The profiles that name `certificate` as one of their issuing CAs: by issuerKeyIds,
/// expectedIssuingCas (key id or fingerprint) or issuerNames (its subject DN).
std::vector<std::string> profilesNaming(
    const pluginhost::LoadedProfiles& loaded, const x509::CaCertificate& certificate);

/// Writes the certificates to add into `profilesDir`/certs and names them in their profiles
/// (intermediates or trustAnchors; issuing CAs' key ids into issuerKeyIds), with an entry in
/// certs/INDEX.md. Every profile file is replaced atomically; when the result does not load,
/// the previous files are put back and std::runtime_error says why. Returns the files written.
std::vector<std::string> applyImport(
    const std::vector<ImportItem>& plan, const std::string& profilesDir, std::int64_t now);

} // namespace certgate::app
