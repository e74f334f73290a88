#include "Api.hpp"
#include "Json.hpp"
#include "Router.hpp"
#include "StaticFiles.hpp"

#include <certgate/core/RequestId.hpp>
#include <certgate/http/HttpServer.hpp>
#include <certgate/metrics/Metrics.hpp>

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
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
    // The pages talk to the server and to the card agent on the user's own PC only; and, where
    // the deployment accepts HiPKI, to HiPKI Local Server (its version image and, where it
    // answers CORS, its /pkcs11info and /sign). HiPKI's popup (popupForm, addDomain) is a
    // window of its own: the opener keeps its handle only under same-origin-allow-popups, and
    // only then (HiPKI sends no COOP of its own) can the two post each other messages.
    Poco::URI agent(options.agentUrl);
    std::string agentOrigins = agent.getScheme() + "://127.0.0.1:" + std::to_string(agent.getPort())
        + " " + agent.getScheme() + "://localhost:" + std::to_string(agent.getPort());
    const std::string& hipki = options.hipkiLocalServer;
    const std::string hipkiSource = hipki.empty() ? std::string() : " " + hipki;
    ctx.setHeader("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
            + hipkiSource + "; connect-src 'self' " + agentOrigins + hipkiSource
            + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
    ctx.setHeader("X-Content-Type-Options", "nosniff");
    ctx.setHeader("X-Frame-Options", "DENY");
    ctx.setHeader("Referrer-Policy", "no-referrer");
    ctx.setHeader(
        "Cross-Origin-Opener-Policy", hipki.empty() ? "same-origin" : "same-origin-allow-popups");
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
        core::RequestIdScope requestId(requestIdFor(request));
        ctx.setHeader("X-Request-Id", core::currentRequestId());
        std::string outcome;
        bool staticFile = false;
        try {
            securityHeaders(ctx, options_);
            if (request.bodyTooLarge)
                throw core::Error(core::ErrorCode::PayloadTooLarge);
            checkStateChange(ctx);
            if (!router_.dispatch(ctx)
                && !(staticFile = serveStatic(ctx, options_.webRoot, options_.vendorRoot))) {
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
        const auto elapsed = std::chrono::steady_clock::now() - started;
        countRequest(ctx, staticFile, elapsed);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
        // Query strings may hold an agency code: the path only is logged, as sent and escaped
        // (a forged log line cannot be smuggled in through it).
        logger().information("%s %s %d %s%Ldms", request.method, ctx.logPath(), response.status,
            outcome.empty() ? std::string() : outcome + " ", static_cast<Poco::Int64>(ms.count()));
    }

private:
    // A reverse proxy in trustedProxies may name the request (nginx: $request_id), so that
    // its log and ours share the id; from anyone else the header is ignored.
    std::string requestIdFor(const net::Request& request) const
    {
        const auto& proxies = options_.trustedProxies;
        if (std::find(proxies.begin(), proxies.end(), request.peer) != proxies.end()) {
            auto given = request.header("X-Request-Id");
            if (core::acceptableRequestId(given))
                return given;
        }
        return core::newRequestId();
    }

    // certgate_http_requests_total and certgate_http_request_duration_seconds, by route
    // template (never the path itself: it holds flow ids and agency codes).
    static void countRequest(
        const Context& ctx, bool staticFile, std::chrono::steady_clock::duration elapsed)
    {
        static auto& requests = metrics::Registry::global().counter("certgate_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            { "method", "route", "status" });
        static auto& latency
            = metrics::Registry::global().histogram("certgate_http_request_duration_seconds",
                "Time from a complete request to its answer, by route template.", { "route" });
        std::string_view route = !ctx.route.empty() ? std::string_view(ctx.route)
            : staticFile                            ? std::string_view("static")
                                                    : std::string_view("unmatched");
        const auto& method = ctx.method();
        std::string_view known = method == "GET" || method == "POST" || method == "PUT"
                || method == "DELETE" || method == "HEAD" || method == "OPTIONS"
            ? std::string_view(method)
            : std::string_view("other");
        requests.with({ known, route, std::to_string(ctx.response.status) }).inc();
        latency.with({ route }).observe(std::chrono::duration<double>(elapsed).count());
    }

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

/// The metrics listener's one page.
class MetricsHandler {
public:
    explicit MetricsHandler(const ServerOptions& options)
        : options_(options)
    {
    }

    void operator()(net::Request& request, net::Response& response) const
    {
        response.headers.emplace_back("Cache-Control", "no-store");
        const auto& allow = options_.metricsAllow;
        if (!allow.empty() && std::find(allow.begin(), allow.end(), request.peer) == allow.end()) {
            response.status = 403;
            response.body = "forbidden: this address may not read the metrics\n";
            logger().warning("metrics: %s is not in metrics.allow", request.peer);
            return;
        }
        if (request.target != "/metrics" || (request.method != "GET" && request.method != "HEAD")) {
            response.status = 404;
            response.body = "GET /metrics\n";
            return;
        }
        response.status = 200;
        response.headers.emplace_back("Content-Type", metrics::kContentType);
        if (request.method == "GET")
            response.body = metrics::Registry::global().exposition();
    }

private:
    const ServerOptions& options_;
};

/// certgate_connections_total and certgate_connections_open, read from the engine's counters
/// at each scrape.
std::vector<metrics::Registry::Collector> connectionMetrics(const net::HttpEngine& engine)
{
    auto& registry = metrics::Registry::global();
    std::vector<metrics::Registry::Collector> collectors;
    collectors.push_back(registry.collect("certgate_connections_total",
        "Connections on the public listener: accepted, requests, and every refused or cut one "
        "by why.",
        metrics::Type::Counter, { "event" }, [&engine] {
            auto stats = engine.stats();
            std::vector<metrics::Sample> samples;
            for (std::size_t i = 0; i < net::kCounterCount; ++i) {
                auto counter = static_cast<net::Counter>(i);
                samples.push_back({ { std::string(net::counterName(counter)) },
                    static_cast<double>(stats[counter]) });
            }
            return samples;
        }));
    collectors.push_back(registry.collect("certgate_connections_open",
        "Connections open on the public listener now.", metrics::Type::Gauge, {}, [&engine] {
            return std::vector<metrics::Sample> { { {},
                static_cast<double>(engine.stats().open) } };
        }));
    return collectors;
}

} // namespace

struct HttpServer::Impl {
    ServerOptions options;
    Router router;
    std::unique_ptr<net::HttpEngine> engine;
    std::unique_ptr<net::HttpEngine> metricsEngine;
    std::vector<metrics::Registry::Collector> collectors;
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
    impl_->collectors = connectionMetrics(*impl_->engine);
    if (!o.metricsHost.empty()) {
        net::EngineOptions metricsEngine;
        metricsEngine.host = o.metricsHost;
        metricsEngine.port = o.metricsPort;
        metricsEngine.limits.maxConnections = 64;
        metricsEngine.limits.maxConnectionsPerAddress = 16;
        metricsEngine.limits.workerThreads = 1;
        metricsEngine.loggerName = "certgate.metrics";
        impl_->metricsEngine = std::make_unique<net::HttpEngine>(
            std::move(metricsEngine), MetricsHandler(impl_->options));
        impl_->metricsEngine->start();
    }
}

void HttpServer::stop()
{
    if (impl_ && impl_->metricsEngine)
        impl_->metricsEngine->stop();
    if (impl_ && impl_->engine)
        impl_->engine->stop();
    if (impl_)
        impl_->collectors.clear();
}

std::vector<std::pair<std::string, std::string>> HttpServer::routes() const
{
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& route : impl_->router.routes())
        list.emplace_back(route.method, route.pathTemplate);
    return list;
}

std::string HttpServer::metricsUrl() const
{
    if (!impl_->metricsEngine)
        return {};
    return "http://" + impl_->options.metricsHost + ":"
        + std::to_string(impl_->metricsEngine->port()) + "/metrics";
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
