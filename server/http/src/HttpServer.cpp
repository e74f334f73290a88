#include "Api.hpp"
#include "Json.hpp"
#include "Router.hpp"
#include "StaticFiles.hpp"

#include <certgate/http/HttpServer.hpp>

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <chrono>
#include <sstream>

namespace certgate::http {

namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate.http");
}

void securityHeaders(Context& ctx, const ServerOptions& options)
{
    // The pages talk to the server and to the card agent on the user's own PC only.
    Poco::URI agent(options.agentUrl);
    std::string agentOrigins = agent.getScheme() + "://127.0.0.1:" + std::to_string(agent.getPort())
        + " " + agent.getScheme() + "://localhost:" + std::to_string(agent.getPort());
    ctx.setHeader("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' "
            + agentOrigins
            + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
    ctx.setHeader("X-Content-Type-Options", "nosniff");
    ctx.setHeader("X-Frame-Options", "DENY");
    ctx.setHeader("Referrer-Policy", "no-referrer");
    ctx.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    if (ctx.secure())
        ctx.setHeader("Strict-Transport-Security", "max-age=31536000");
}

/// One request: security headers, the route or a page, every exception mapped to an error
/// body, refusals audited, one access-log line.
class RequestHandler {
public:
    RequestHandler(const Router& router, const ServerOptions& options)
        : router_(router)
        , options_(options)
    {
    }

    void operator()(net::Request& request, net::Response& response) const
    {
        auto started = std::chrono::steady_clock::now();
        Context ctx(request, response, &options_.trustedProxies);
        std::string outcome;
        try {
            securityHeaders(ctx, options_);
            if (request.bodyTooLarge)
                throw core::Error(core::ErrorCode::PayloadTooLarge);
            checkStateChange(ctx);
            if (!router_.dispatch(ctx) && !serveStatic(ctx, options_.webRoot)) {
                if (ctx.path().rfind("/api/", 0) == 0 || ctx.path().rfind("/admin/api/", 0) == 0)
                    ctx.sendError(core::Error(core::ErrorCode::NotFound, "no such endpoint"));
                else
                    sendNotFoundPage(ctx);
            }
        } catch (const core::Error& e) {
            outcome = std::string(core::toString(e.code()));
            if (e.code() == core::ErrorCode::InternalError)
                logger().error("%s %s: %s", request.method, ctx.logPath(), e.detail());
            sendIfNotSent(ctx, e);
            auditRefusal(ctx, e);
        } catch (const Poco::Exception& e) {
            outcome = "INTERNAL_ERROR";
            logger().error("%s %s: %s", request.method, ctx.logPath(), e.displayText());
            sendIfNotSent(ctx, core::Error(core::ErrorCode::InternalError));
        } catch (const std::exception& e) {
            outcome = "INTERNAL_ERROR";
            logger().error("%s %s: %s", request.method, ctx.logPath(), std::string(e.what()));
            sendIfNotSent(ctx, core::Error(core::ErrorCode::InternalError));
        } catch (...) {
            outcome = "INTERNAL_ERROR";
            logger().error("%s %s: unknown exception", request.method, ctx.logPath());
            sendIfNotSent(ctx, core::Error(core::ErrorCode::InternalError));
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        // Query strings may hold an agency code: the path only is logged, as sent and escaped
        // (a forged log line cannot be smuggled in through it).
        logger().information("%s %s %d %s%Ldms", request.method, ctx.logPath(), response.status,
            outcome.empty() ? std::string() : outcome + " ", static_cast<Poco::Int64>(ms.count()));
    }

private:
    // Defence in depth beside the CSRF token: a state-changing API call must be JSON (the
    // agency import takes CSV, which no cross-site "simple" request can send either) — a
    // form or a no-cors fetch on another site can then create nothing — and, when the
    // browser names the page's origin, it must be the portal's.
    void checkStateChange(const Context& ctx) const
    {
        const auto& method = ctx.method();
        if (method == "GET" || method == "HEAD" || method == "OPTIONS")
            return;
        if (ctx.path().rfind("/api/", 0) != 0 && ctx.path().rfind("/admin/api/", 0) != 0)
            return;
        auto type = ctx.header("Content-Type");
        auto media = Poco::toLower(Poco::trim(type.substr(0, type.find(';'))));
        bool csvImport = media == "text/csv" && ctx.path().ends_with("/agencies/import");
        if ((!type.empty() || !ctx.request.body.empty()) && media != "application/json"
            && !csvImport)
            throw core::Error(core::ErrorCode::UnsupportedMediaType,
                "Content-Type must be application/json", "Content-Type");
        auto origin = ctx.header("Origin");
        if (!origin.empty() && !options_.publicOrigin.empty()
            && Poco::icompare(origin, options_.publicOrigin) != 0)
            throw core::Error(core::ErrorCode::CsrfInvalid,
                "Origin " + origin.substr(0, 100) + " is not the portal's", "Origin");
    }

    // Every refusal goes to the audit log; the core audits its own with their agency, the
    // rest (requests refused before reaching it, admin refusals) are audited here. Too many
    // requests (RATE_LIMITED) are only logged: auditing a flood would let it fill the log.
    void auditRefusal(Context& ctx, const core::Error& e) const
    {
        if (e.audited() || core::isServerFailure(e.code())
            || e.code() == core::ErrorCode::RateLimited || !options_.onRefusal)
            return;
        try {
            options_.onRefusal(ctx.method(), ctx.path(), ctx.client(), e);
        } catch (const std::exception& failure) {
            logger().warning("auditing a refusal failed: %s", std::string(failure.what()));
        }
    }

    // An error thrown after a handler answered does not replace the answer (as when the
    // answer was streamed): it is logged and audited only.
    static void sendIfNotSent(Context& ctx, const core::Error& error)
    {
        if (!ctx.sent())
            ctx.sendError(error);
    }

    static void sendNotFoundPage(Context& ctx)
    {
        static const std::string page
            = "<!doctype html><html lang=\"zh-Hant\"><meta charset=\"utf-8\"><title>找不到網頁 "
              "Not found</title><p>找不到此網頁。<a href=\"/\">回首頁</a></p>"
              "<p lang=\"en\">Page not found. <a href=\"/\">Home</a></p></html>";
        ctx.send(404, "text/html; charset=utf-8", page, "no-cache");
    }

    const Router& router_;
    const ServerOptions& options_;
};

/// The answers the engine gives by itself, in the portal's error format.
net::Response refusalBody(net::Refusal kind)
{
    using core::ErrorCode;
    auto code = kind == net::Refusal::BadRequest ? ErrorCode::InvalidInput
        : kind == net::Refusal::HeaderTooLarge   ? ErrorCode::PayloadTooLarge
                                                 : ErrorCode::ServerBusy;
    std::ostringstream out;
    errorToJson(core::Error(code))->stringify(out);
    net::Response response;
    response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    response.headers.emplace_back("Cache-Control", "no-store");
    response.body = out.str();
    return response;
}

} // namespace

struct HttpServer::Impl {
    ServerOptions options;
    Router router;
    std::unique_ptr<net::HttpEngine> engine;
};

HttpServer::HttpServer(ServerOptions options, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry)
    : impl_(std::make_unique<Impl>())
{
    impl_->options = std::move(options);
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
    net::EngineOptions engine;
    engine.host = o.host.empty() ? "0.0.0.0" : o.host;
    engine.port = o.port;
    if (!o.tlsCertificate.empty()) {
        net::TlsSettings tls = o.tls;
        tls.certificate = o.tlsCertificate;
        tls.privateKey = o.tlsPrivateKey;
        engine.tls = tls;
    }
    engine.limits = o.limits;
    engine.limits.maxBodyBytes = o.maxBodyBytes;
    engine.exemptAddresses = o.trustedProxies;
    engine.loggerName = "certgate.http";
    engine.refusalBody = refusalBody;
    impl_->engine = std::make_unique<net::HttpEngine>(
        std::move(engine), RequestHandler(impl_->router, impl_->options));
    impl_->engine->start();
}

void HttpServer::stop()
{
    if (impl_ && impl_->engine)
        impl_->engine->stop();
}

net::EngineStats HttpServer::connectionStats() const
{
    return impl_->engine ? impl_->engine->stats() : net::EngineStats {};
}

std::uint16_t HttpServer::port() const
{
    return impl_->engine ? impl_->engine->port() : 0;
}

std::string HttpServer::url() const
{
    auto host = impl_->options.host == "0.0.0.0" || impl_->options.host.empty()
        ? "127.0.0.1"
        : impl_->options.host;
    return std::string(impl_->options.tlsCertificate.empty() ? "http" : "https") + "://" + host
        + ":" + std::to_string(port());
}

} // namespace certgate::http
