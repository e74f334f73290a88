#pragma once

#include <certgate/plugin/PluginError.hpp>
#include <certgate/plugin/Types.hpp>
#include <certgate/plugin/Version.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace certgate::plugin {

/// One certification authority's knowledge: which of the chain-validated certificates are its
/// cards, what identity they carry, and the formats of its identifiers. The host has already
/// built and validated the chain (trust, validity, key usage, policy, revocation) before it
/// asks a plugin anything; a plugin judges meaning, not trust.
///
/// Thread safety: after configure(), every const member may be called concurrently.
class CaPlugin {
public:
    virtual ~CaPlugin() = default;

    /// Lowercase plugin id, equal to the profile's "id" ("moica", "gca", ...).
    virtual std::string id() const = 0;
    virtual CardKind kind() const = 0;

    /// Reads the profile's identity rules. Throws PluginError("PROFILE_INVALID", ...) when a
    /// rule it needs is missing or malformed.
    virtual void configure(const ProfileView& profile) = 0;

    /// Extracts the identity of a login card issued by this CA. Throws PluginError with
    /// "WRONG_CARD_KIND" for a certificate of this CA that is not a login card of its kind
    /// (a server certificate, another subject type), or "CERT_MALFORMED" when the identity
    /// attributes are missing or malformed.
    virtual Identity extractIdentity(const CertificateView& certificate) const = 0;

    /// Checks the format of a value typed by a person (see plugin::format): returns an empty
    /// optional when it is well-formed, else a short English reason. `kind` values a plugin
    /// does not know return "unsupported".
    virtual std::optional<std::string> checkFormat(
        std::string_view kind, std::string_view value) const = 0;
};

} // namespace certgate::plugin
