#pragma once

#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/HttpClient.hpp>
#include <certgate/test/TempDir.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace certgate::test {

/// The origin the agent tests allow (the portal of the test deployment).
inline const std::string agentTestOrigin = "https://portal.certgate.test:8443";

std::string agentBinary();
/// The lockout test double module (tests/integration/agent/lockout-module).
std::string lockoutModule();
/// A fresh random nonce, base64 of 32 bytes, as the server issues them.
std::string randomNonce();

struct AgentOptions {
    /// PKCS#11 module; empty = the test PKI's SoftHSM2 module.
    std::string module;
    /// SOFTHSM2_CONF for the agent; empty = a private copy of the test PKI tokens (so a test may
    /// change them freely).
    std::string softhsmConf;
    std::vector<std::string> allowedOrigins { agentTestOrigin };
    std::map<std::string, std::string> environment;
};

AgentOptions withModule(std::string module, std::string softhsmConf = {},
    std::map<std::string, std::string> environment = {});

std::string base64Of(const std::vector<std::uint8_t>& bytes);

/// A real `certgate-agent serve` on 127.0.0.1, port 0, stopped with SIGTERM on destruction.
class AgentProcess {
public:
    explicit AgentProcess(AgentOptions options = {});

    const std::string& url() const { return url_; }
    /// SOFTHSM2_CONF the agent runs with (the private copy unless one was given).
    const std::string& softhsmConf() const { return softhsmConf_; }
    /// The folder of the private copy (empty when softhsmConf was given).
    std::string privateDir() const { return tokens_ ? tokens_->path() : std::string {}; }
    ChildProcess& process() { return *process_; }

    HttpResponse get(const std::string& path, std::map<std::string, std::string> headers = {});
    HttpResponse sign(const std::string& token, const std::string& nonce, const std::string& pin,
        const std::string& origin = agentTestOrigin, const std::string& keyId = {});

private:
    std::unique_ptr<TempDir> tokens_;
    std::string softhsmConf_;
    std::unique_ptr<ChildProcess> process_;
    std::string url_;
};

Poco::JSON::Object::Ptr parseJson(const std::string& text);

/// Checks a SPEC §5 auth token with OpenSSL alone: format, algorithm, and the signature over
/// SHA256(origin) || SHA256(nonce) with the certificate's key (raw R‖S turned into DER for EC).
/// Returns an empty string when it verifies, else what is wrong.
std::string verifyAuthToken(
    const std::string& tokenJson, const std::string& origin, const std::string& nonce);

} // namespace certgate::test
