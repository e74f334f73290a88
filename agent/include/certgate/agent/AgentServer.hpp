#pragma once

#include <certgate/agent/AgentApi.hpp>

#include <cstdint>
#include <memory>

namespace Poco::Net {
class HTTPServer;
}

namespace certgate::agent {

/// POCO HTTP server on 127.0.0.1 (never any other address) serving an AgentApi.
class AgentServer {
public:
    /// Binds at once; `port` 0 picks an ephemeral port. Throws Poco::Exception if it cannot bind.
    AgentServer(AgentApi& api, std::uint16_t port);
    ~AgentServer();
    AgentServer(const AgentServer&) = delete;
    AgentServer& operator=(const AgentServer&) = delete;

    void start();
    void stop();
    std::uint16_t port() const { return port_; }

private:
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    std::uint16_t port_ = 0;
};

} // namespace certgate::agent
