#include "Api.hpp"
#include "Json.hpp"
#include "Router.hpp"
#include "StaticFiles.hpp"

#include <certgate/http/HttpServer.hpp>

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <chrono>

namespace certgate::http {

namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate.http");
}

void securityHeaders(
    Poco::Net::HTTPServerResponse& response, const ServerOptions& options, bool secure)
{
    // The pages talk to the server and to the card agent on the user's own PC only.
    Poco::URI agent(options.agentUrl);
    std::string agentOrigins = agent.getScheme() + "://127.0.0.1:" + std::to_string(agent.getPort())
        + " " + agent.getScheme() + "://localhost:" + std::to_string(agent.getPort());
    response.set("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' "
            + agentOrigins
            + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    response.set("Cross-Origin-Opener-Policy", "same-origin");
    if (secure)
        response.set("Strict-Transport-Security", "max-age=31536000");
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    RequestHandler(const Router& router, const ServerOptions& options, bool secure)
        : router_(router)
        , options_(options)
        , secure_(secure)
    {
    }

    void handleRequest(
        Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        auto started = std::chrono::steady_clock::now();
        Context ctx(request, response, options_.maxBodyBytes, secure_, &options_.trustedProxies);
        std::string outcome;
        // POCO only catches its own exceptions around a handler: catch everything here.
        try {
            securityHeaders(response, options_, secure_);
            if (!router_.dispatch(ctx) && !serveStatic(ctx, options_.webRoot)) {
                if (request.getURI().rfind("/api/", 0) == 0
                    || request.getURI().rfind("/admin/api/", 0) == 0)
                    ctx.sendError(core::Error(core::ErrorCode::NotFound, "no such endpoint"));
                else
                    sendNotFoundPage(response);
            }
        } catch (const core::Error& e) {
            outcome = std::string(core::toString(e.code()));
            if (e.code() == core::ErrorCode::InternalError)
                logger().error("%s %s: %s", request.getMethod(), pathOnly(request), e.detail());
            sendIfPossible(ctx, e);
            auditRefusal(request, ctx, e);
        } catch (const Poco::Exception& e) {
            outcome = "INTERNAL_ERROR";
            logger().error("%s %s: %s", request.getMethod(), pathOnly(request), e.displayText());
            sendIfPossible(ctx, core::Error(core::ErrorCode::InternalError));
        } catch (const std::exception& e) {
            outcome = "INTERNAL_ERROR";
            logger().error(
                "%s %s: %s", request.getMethod(), pathOnly(request), std::string(e.what()));
            sendIfPossible(ctx, core::Error(core::ErrorCode::InternalError));
        } catch (...) {
            outcome = "INTERNAL_ERROR";
            logger().error("%s %s: unknown exception", request.getMethod(), pathOnly(request));
            sendIfPossible(ctx, core::Error(core::ErrorCode::InternalError));
        }
        try {
            ctx.discardUnreadBody();
        } catch (...) {
            // The client went away; POCO closes the connection.
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        logger().information("%s %s %d %s%Ldms", request.getMethod(), pathOnly(request),
            static_cast<int>(response.getStatus()), outcome.empty() ? std::string() : outcome + " ",
            static_cast<Poco::Int64>(ms.count()));
    }

private:
    // Every refusal goes to the audit log; the core audits its own with their agency, the
    // rest (requests refused before reaching it, admin refusals) are audited here. Too many
    // requests (RATE_LIMITED) are only logged: auditing a flood would let it fill the log.
    void auditRefusal(
        Poco::Net::HTTPServerRequest& request, Context& ctx, const core::Error& e) const
    {
        if (e.audited() || e.code() == core::ErrorCode::InternalError
            || e.code() == core::ErrorCode::RateLimited || !options_.onRefusal)
            return;
        try {
            options_.onRefusal(request.getMethod(), pathOnly(request), ctx.client(), e);
        } catch (const std::exception& failure) {
            logger().warning("auditing a refusal failed: %s", std::string(failure.what()));
        }
    }

    // Query strings may hold an agency code; log the path only.
    static std::string pathOnly(const Poco::Net::HTTPServerRequest& request)
    {
        return Poco::URI(request.getURI()).getPath();
    }

    static void sendIfPossible(Context& ctx, const core::Error& error)
    {
        if (!ctx.response.sent())
            ctx.sendError(error);
    }

    static void sendNotFoundPage(Poco::Net::HTTPServerResponse& response)
    {
        static const std::string page
            = "<!doctype html><html lang=\"zh-Hant\"><meta charset=\"utf-8\"><title>找不到網頁 "
              "Not found</title><p>找不到此網頁。<a href=\"/\">回首頁</a></p>"
              "<p lang=\"en\">Page not found. <a href=\"/\">Home</a></p></html>";
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.setContentType("text/html; charset=utf-8");
        response.setContentLength(static_cast<std::streamsize>(page.size()));
        response.send() << page;
    }

    const Router& router_;
    const ServerOptions& options_;
    bool secure_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    HandlerFactory(const Router& router, const ServerOptions& options, bool secure)
        : router_(router)
        , options_(options)
        , secure_(secure)
    {
    }
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override
    {
        return new RequestHandler(router_, options_, secure_);
    }

private:
    const Router& router_;
    const ServerOptions& options_;
    bool secure_;
};

} // namespace

struct HttpServer::Impl {
    ServerOptions options;
    Router router;
    std::unique_ptr<Poco::Net::HTTPServer> server;
    std::uint16_t port = 0;
    bool secure = false;
};

HttpServer::HttpServer(ServerOptions options, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry)
    : impl_(std::make_unique<Impl>())
{
    impl_->options = std::move(options);
    impl_->secure = !impl_->options.tlsCertificate.empty();
    addPortalRoutes(impl_->router, portal, admin, registry, impl_->options);
    addAdminRoutes(impl_->router, portal, admin, registry, impl_->options);
}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::start()
{
    auto& o = impl_->options;
    Poco::Net::SocketAddress address(o.host, o.port);
    Poco::Net::ServerSocket socket;
    if (impl_->secure) {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE,
            o.tlsPrivateKey, o.tlsCertificate, "", Poco::Net::Context::VERIFY_NONE);
        context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3
            | Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableSessionCache(false);
        socket = Poco::Net::SecureServerSocket(address, 64, context);
    } else {
        socket = Poco::Net::ServerSocket(address, 64);
    }
    impl_->port = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(o.maxThreads);
    params->setMaxQueued(o.maxQueued);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(
        new HandlerFactory(impl_->router, impl_->options, impl_->secure), socket, params);
    impl_->server->start();
}

void HttpServer::stop()
{
    if (impl_ && impl_->server) {
        impl_->server->stopAll(true);
        impl_->server.reset();
    }
}

std::uint16_t HttpServer::port() const
{
    return impl_->port;
}

std::string HttpServer::url() const
{
    auto host = impl_->options.host == "0.0.0.0" || impl_->options.host.empty()
        ? "127.0.0.1"
        : impl_->options.host;
    return std::string(impl_->secure ? "https" : "http") + "://" + host + ":"
        + std::to_string(impl_->port);
}

} // namespace certgate::http
