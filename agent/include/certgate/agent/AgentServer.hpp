#pragma once

#include <certgate/agent/AgentApi.hpp>
#include <certgate/net/HttpEngine.hpp>

#include <cstdint>
#include <memory>

namespace certgate::agent {

/// The agent's HTTP service on 127.0.0.1 (never any other address), on the event-driven engine
/// shared with the server: an idle or slow connection holds no thread, and a page that opens
/// too many connections has the idle ones closed first.
class AgentServer {
public:
    /// Binds and serves at once; `port` 0 picks an ephemeral port. Throws std::runtime_error
    /// naming the address when it cannot bind (the port is taken).
    AgentServer(AgentApi& api, std::uint16_t port, net::Limits limits = net::Limits::forAgent());
    ~AgentServer();
    AgentServer(const AgentServer&) = delete;
    AgentServer& operator=(const AgentServer&) = delete;

    void start();
    void stop();
    std::uint16_t port() const;
    net::EngineStats connectionStats() const;

private:
    std::unique_ptr<net::HttpEngine> engine_;
};

} // namespace certgate::agent
