#pragma once

#include <certgate/agent/CardService.hpp>
#include <certgate/agent/Config.hpp>
#include <certgate/agent/PinGuard.hpp>

#include <atomic>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace certgate::agent {

/// One HTTP request as the API sees it: no POCO types, so that the whole policy (Host, Origin,
/// CORS, routing, validation) is tested without a socket.
struct ApiRequest {
    std::string method;
    std::string target; ///< path and query, as in the request line
    std::map<std::string, std::string> headers; ///< lower-case names
    std::string body; ///< wiped by AgentApi::handle (it may hold a PIN)
    bool bodyTooLarge = false;

    std::string header(const std::string& lowerName) const;
};

struct ApiResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; ///< JSON, or empty for 204

    std::string header(const std::string& name) const;
};

/// The agent's HTTP API (issue 4 contract): GET /v1/version, /v1/health, /v1/tokens,
/// /v1/certificates?token=, POST /v1/sign, OPTIONS preflights.
class AgentApi {
public:
    AgentApi(CardService& cards, OriginPolicy origins, PinGuard::Limits pinLimits = {});

    /// The port the server is bound to; Host headers must name it (DNS-rebinding defence).
    void setPort(std::uint16_t port) { port_ = port; }
    ApiResponse handle(ApiRequest& request);

private:
    ApiResponse route(ApiRequest& request, const std::string& origin);
    ApiResponse version();
    ApiResponse health();
    ApiResponse tokens();
    ApiResponse certificates(const std::string& target);
    ApiResponse sign(ApiRequest& request, const std::string& origin);
    bool hostAllowed(const std::string& host) const;

    CardService& cards_;
    OriginPolicy origins_;
    PinGuard pinGuard_;
    std::atomic<std::uint16_t> port_ { 0 };
};

/// CORS headers for an allowed origin (also used by the HTTP glue for its own errors).
void addCorsHeaders(ApiResponse& response, const std::string& origin);

} // namespace certgate::agent
