#include <certgate/agent/AgentServer.hpp>
#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/JsonViews.hpp>
#include <certgate/agent/SignRequest.hpp>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/String.h>
#include <openssl/crypto.h>

#include <algorithm>

namespace certgate::agent {
namespace {

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit ApiHandler(AgentApi& api)
        : api_(api)
    {
    }

    // POCO only catches its own exceptions around a handler: catch everything here.
    void handleRequest(
        Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override
    {
        ApiRequest request;
        ApiResponse response;
        try {
            request.method = in.getMethod();
            request.target = in.getURI();
            for (const auto& [name, value] : in) {
                auto lower = Poco::toLower(name);
                // A repeated Origin or Host is ambiguous: keep the first; Host/Origin checks
                // then refuse anything odd.
                request.headers.emplace(lower, value);
            }
            readBody(in, request);
            response = api_.handle(request);
        } catch (const std::exception& e) {
            wipeString(request.body);
            Poco::Logger::get("certgate-agent.http")
                .error("request failed: %s", std::string(e.what()));
            response = ApiResponse {};
            response.status = 500;
            response.body = toJsonText(errorJson(ErrorCode::InternalError));
            response.headers = { { "Content-Type", "application/json; charset=utf-8" } };
        }
        try {
            out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
            for (const auto& [name, value] : response.headers)
                out.add(name, value);
            if (response.body.empty()) {
                out.setContentLength(0);
                out.send();
            } else {
                out.setContentLength(static_cast<std::streamsize>(response.body.size()));
                out.send() << response.body;
            }
        } catch (const std::exception& e) {
            Poco::Logger::get("certgate-agent.http")
                .warning("cannot answer: %s", std::string(e.what()));
        }
    }

private:
    /// Reads at most maxRequestBody bytes; a larger body is refused without reading it all.
    static void readBody(Poco::Net::HTTPServerRequest& in, ApiRequest& request)
    {
        // Only POST has a body here. POCO reads a body-less OPTIONS (every CORS preflight)
        // until the connection closes, which would stall each preflight for the timeout.
        if (request.method != "POST")
            return;
        if (in.hasContentLength()
            && in.getContentLength64() > static_cast<Poco::Int64>(maxRequestBody)) {
            request.bodyTooLarge = true;
            return;
        }
        auto& stream = in.stream();
        request.body.reserve(1024);
        char buffer[1024];
        while (stream) {
            stream.read(buffer, sizeof buffer);
            auto n = static_cast<std::size_t>(stream.gcount());
            if (n == 0)
                break;
            if (request.body.size() + n > maxRequestBody) {
                request.bodyTooLarge = true;
                wipeString(request.body);
                break;
            }
            request.body.append(buffer, n);
        }
        OPENSSL_cleanse(buffer, sizeof buffer);
    }

    AgentApi& api_;
};

class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit ApiHandlerFactory(AgentApi& api)
        : api_(api)
    {
    }
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override
    {
        return new ApiHandler(api_);
    }

private:
    AgentApi& api_;
};

} // namespace

AgentServer::AgentServer(AgentApi& api, std::uint16_t port)
{
    // 127.0.0.1 only, by design and not configurable (SPEC §4).
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 64);
    port_ = socket.address().port();
    api.setPort(port_);
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setMaxQueued(64);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new ApiHandlerFactory(api), socket, params);
}

AgentServer::~AgentServer()
{
    stop();
}

void AgentServer::start()
{
    server_->start();
}

void AgentServer::stop()
{
    if (server_)
        server_->stopAll(true);
}

} // namespace certgate::agent
