#include <certgate/agent/AgentServer.hpp>
#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/JsonViews.hpp>
#include <certgate/agent/SignRequest.hpp>

#include <Poco/Logger.h>
#include <Poco/String.h>

namespace certgate::agent {
namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate-agent.http");
}

ApiResponse internalError()
{
    ApiResponse response;
    response.status = 500;
    response.body = toJsonText(errorJson(ErrorCode::InternalError));
    response.headers = { { "Content-Type", "application/json; charset=utf-8" } };
    return response;
}

// The engine refuses a flood by itself; its answers carry the agent's error format.
net::Response refusalBody(net::Refusal kind)
{
    net::Response response;
    response.headers = { { "Content-Type", "application/json; charset=utf-8" },
        { "Cache-Control", "no-store" } };
    response.body = toJsonText(
        errorJson(kind == net::Refusal::Overloaded || kind == net::Refusal::ConnectionLimit
                ? ErrorCode::Busy
                : ErrorCode::BadRequest));
    return response;
}

} // namespace

AgentServer::AgentServer(AgentApi& api, std::uint16_t port, net::Limits limits)
{
    net::EngineOptions options;
    options.host = "127.0.0.1"; // by design and not configurable (SPEC §4)
    options.port = port;
    options.limits = limits;
    options.limits.maxBodyBytes = maxRequestBody;
    options.loggerName = "certgate-agent.http";
    options.refusalBody = refusalBody;
    options.wipeBuffers = true; // a sign request holds the PIN
    engine_ = std::make_unique<net::HttpEngine>(
        std::move(options), [&api](net::Request& in, net::Response& out) {
            ApiRequest request;
            ApiResponse response;
            try {
                request.method = std::move(in.method);
                request.target = std::move(in.target);
                // A repeated Origin or Host is ambiguous: the first is kept, and the Host and
                // Origin checks refuse anything odd.
                for (const auto& [name, value] : in.headers)
                    request.headers.emplace(Poco::toLower(name), value);
                request.body.swap(in.body);
                request.bodyTooLarge = in.bodyTooLarge;
                response = api.handle(request);
            } catch (const std::exception& e) {
                logger().error("request failed: %s", std::string(e.what()));
                response = internalError();
            }
            wipeString(request.body);
            wipeString(in.body);
            out.status = response.status;
            out.headers = std::move(response.headers);
            out.body = std::move(response.body);
        });
    engine_->start();
    api.setPort(engine_->port());
}

AgentServer::~AgentServer()
{
    stop();
}

void AgentServer::start()
{
    // Listening began in the constructor (the port is known at once); nothing more to do.
}

void AgentServer::stop()
{
    if (engine_)
        engine_->stop();
}

std::uint16_t AgentServer::port() const
{
    return engine_->port();
}

net::EngineStats AgentServer::connectionStats() const
{
    return engine_->stats();
}

} // namespace certgate::agent
