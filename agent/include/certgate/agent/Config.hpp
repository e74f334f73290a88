#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace certgate::agent {

/// 27161: not the port of HiPKI Local Server (61161), which government e-service PCs already
/// run, nor of CHT's related component (16888); not in Debian's service list; below both the
/// Linux (32768–60999) and the Windows (49152–65535) ephemeral ranges, so an outgoing
/// connection never holds it by chance.
inline constexpr std::uint16_t defaultPort = 27161;
/// HiPKI Local Server (跨平台網頁元件), named when it is what holds the port.
inline constexpr std::uint16_t hipkiPort = 61161;
inline constexpr const char* defaultModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
inline constexpr const char* defaultConfigPath = "/etc/certgate/agent.json";
inline constexpr const char* agentVersion = "1.0.0";
inline constexpr int protocolVersion = 1;

/// The agent's settings. The bind address is always 127.0.0.1 and deliberately not here.
struct AgentConfig {
    std::uint16_t port = defaultPort; ///< 0 = ephemeral
    std::string module = defaultModule;
    std::vector<std::string> allowedOrigins; ///< normalised (see normaliseOrigin)
    std::string logLevel = "information";
    /// How long a request waits for a token another request is using before it answers BUSY.
    std::chrono::milliseconds busyTimeout { 5000 };
    /// Wrong PINs one card may take within wrongPinWindow before the agent stops sending PINs
    /// to it for the rest of that window (PinGuard).
    int maxWrongPins = 3;
    std::chrono::seconds wrongPinWindow { 300 };
};

/// Parses the JSON configuration text; throws std::invalid_argument naming the bad key.
AgentConfig parseConfig(const std::string& jsonText, AgentConfig base = {});
/// Reads `path`; throws std::invalid_argument when it cannot be read or parsed.
AgentConfig loadConfigFile(const std::string& path, AgentConfig base = {});

/// Lower-cases scheme and host, drops a default port and a trailing slash. Throws
/// std::invalid_argument for anything that is not scheme://host[:port] with http or https.
std::string normaliseOrigin(const std::string& origin);

/// The Origin allow-list. A request's Origin header is compared exactly with the normalised
/// entries: browsers send origins already in that form, so anything else is refused.
class OriginPolicy {
public:
    explicit OriginPolicy(std::vector<std::string> allowedOrigins);
    bool allows(const std::string& originHeader) const;
    const std::vector<std::string>& origins() const { return origins_; }

private:
    std::vector<std::string> origins_;
};

} // namespace certgate::agent
