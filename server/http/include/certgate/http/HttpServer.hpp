#pragma once

#include <certgate/core/Admin.hpp>
#include <certgate/core/CaRegistry.hpp>
#include <certgate/core/Dashboard.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/Portal.hpp>
#include <certgate/core/Storage.hpp>
#include <certgate/net/HttpEngine.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace certgate::http {

struct ServerOptions {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8443; ///< 0 = any free port
    std::string tlsCertificate; ///< PEM; both empty = plain HTTP (tests, behind a TLS proxy)
    std::string tlsPrivateKey;
    std::string webRoot; ///< the web/ folder
    /// The npm libraries the build vendored (build/web-vendor, share/certgate/web-vendor),
    /// served under /vendor/; empty = none (the dashboard then shows its tables only).
    std::string vendorRoot;
    std::string agentUrl = "http://127.0.0.1:27161";
    /// HiPKI Local Server's origin when the deployment accepts HiPKI signatures
    /// (portal.hipki.enabled), else empty: the pages may then reach it (CSP connect-src and
    /// img-src) and keep a handle on its popup (Cross-Origin-Opener-Policy
    /// same-origin-allow-popups).
    std::string hipkiLocalServer;
    /// The portal's origin as browsers send it (server.publicOrigin): a state-changing API call
    /// whose Origin header names another is refused (CSRF_INVALID, field Origin). Empty: no check.
    std::string publicOrigin;
    /// Reverse proxies (IP addresses) trusted to name the client in X-Forwarded-For; the
    /// client address keys the receipts query's rate limit.
    std::vector<std::string> trustedProxies;
    /// Connections, deadlines and workers (the engine's defaults; `server.connections` in the
    /// configuration).
    net::Limits limits;
    /// TLS policy; certificate and key are taken from tlsCertificate / tlsPrivateKey.
    net::TlsSettings tls;
    std::size_t maxBodyBytes = 256 * 1024;
    /// The metrics listener (`metrics.listen`, "127.0.0.1:9464"): GET /metrics in the
    /// Prometheus text format, on its own address and never on the public one. Empty host: no
    /// metrics listener. Port 0: any free port (metricsUrl()).
    std::string metricsHost;
    std::uint16_t metricsPort = 0;
    /// Addresses allowed to scrape (`metrics.allow`); others get 403. Empty: any address that
    /// can reach the metrics listener.
    std::vector<std::string> metricsAllow;
    std::string version;
    /// Extra facts for GET /api/v1/health (database, plugins); filled by the app.
    std::function<bool()> databaseAlive;
    std::string databaseBackend;
    /// Called for every refusal the core did not audit itself (malformed bodies, admin
    /// refusals, unknown flows...); the app appends it to the audit log.
    std::function<void(const std::string& method, const std::string& path,
        const std::string& client, const core::Error& error)>
        onRefusal;
    /// The trust material's state (`certgate ca status --json`'s object): the admin page's CA
    /// view and the health answers (degraded while a profile can accept no card).
    std::function<Poco::JSON::Object::Ptr()> trustStatus;
    /// Takes up the CA profiles on disk now (admin page, admin role); the result's object.
    std::function<Poco::JSON::Object::Ptr(const std::string& staffName)> reloadTrust;
    /// The admin dashboard's card counts and review queue (every instance's); unset = 404.
    std::function<core::DashboardView()> dashboard;
};

/// The bureau's HTTP(S) server: the routes of the portal and the admin pages on the event-driven
/// engine (certgate::net), every handler catching everything itself.
class HttpServer {
public:
    HttpServer(ServerOptions options, core::Portal& portal, core::Admin& admin,
        const core::CaRegistry& registry);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();
    void stop();
    std::uint16_t port() const;
    /// Connections accepted, refused and cut since start.
    net::EngineStats connectionStats() const;
    /// "https://127.0.0.1:8443" style URL of the bound socket.
    std::string url() const;
    /// Every route the server answers: method and path template, as web/openapi.json names
    /// them.
    std::vector<std::pair<std::string, std::string>> routes() const;
    /// "http://127.0.0.1:9464/metrics", or empty without a metrics listener.
    std::string metricsUrl() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace certgate::http
