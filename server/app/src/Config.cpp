#include "Files.hpp"
#include "KeyFiles.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/core/AuthToken.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace certgate::app {

namespace fs = std::filesystem;
using Object = Poco::JSON::Object::Ptr;

namespace {

Object parseObject(const fs::path& path)
{
    try {
        Poco::JSON::Parser parser;
        return parser.parse(readWholeFile(path)).extract<Object>();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error(path.string() + ": not a JSON object: " + e.displayText());
    }
}

class Reader {
public:
    Reader(fs::path file, Object root)
        : file_(std::move(file))
        , base_(file_.parent_path())
        , root_(std::move(root))
    {
    }

    Object section(const std::string& name) const
    {
        if (!root_->has(name))
            return new Poco::JSON::Object;
        auto o = root_->getObject(name);
        if (!o)
            fail(name, "must be an object");
        return o;
    }
    std::string string(const Object& o, const std::string& key, const std::string& where,
        const std::string& fallback = {}) const
    {
        if (!o->has(key) || o->isNull(key))
            return fallback;
        auto v = o->get(key);
        if (!v.isString())
            fail(where + "." + key, "must be a string");
        return v.extract<std::string>();
    }
    std::int64_t integer(const Object& o, const std::string& key, const std::string& where,
        std::int64_t fallback) const
    {
        if (!o->has(key) || o->isNull(key))
            return fallback;
        auto v = o->get(key);
        if (!v.isInteger())
            fail(where + "." + key, "must be an integer");
        return v.convert<std::int64_t>();
    }
    bool boolean(
        const Object& o, const std::string& key, const std::string& where, bool fallback) const
    {
        if (!o->has(key) || o->isNull(key))
            return fallback;
        auto v = o->get(key);
        if (!v.isBoolean())
            fail(where + "." + key, "must be true or false");
        return v.extract<bool>();
    }
    /// A member object; null when absent.
    Object optionalObject(const Object& o, const std::string& key, const std::string& where) const
    {
        if (!o->has(key))
            return nullptr;
        auto member = o->getObject(key);
        if (!member)
            fail(where + "." + key, "must be an object");
        return member;
    }
    /// A path relative to the configuration file's folder.
    std::string path(const Object& o, const std::string& key, const std::string& where,
        const std::string& fallback = {}) const
    {
        auto value = string(o, key, where);
        if (value.empty())
            return fallback;
        return resolve(value);
    }
    std::string resolve(const std::string& value) const
    {
        fs::path p(value);
        return (p.is_absolute() ? p : base_ / p).lexically_normal().string();
    }
    /// A key ring from `<name>File` (and the files beside it) or the inline `<name>`.
    std::vector<core::RingKey> keyRing(
        const Object& o, const std::string& name, const std::string& where, std::string& file) const
    {
        file = path(o, name + "File", where);
        auto text = file.empty() ? string(o, name, where) : std::string();
        if (file.empty() && text.empty())
            fail(where + "." + name + "File",
                "is required (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
        try {
            if (!file.empty())
                return readKeyFiles(file);
            return { { "1", parseKeyText(text, "the key") } };
        } catch (const std::runtime_error& e) {
            fail(where + "." + name + (file.empty() ? "" : "File"), e.what());
        }
    }
    [[noreturn]] void fail(const std::string& key, const std::string& problem) const
    {
        throw std::runtime_error(file_.string() + ": " + key + " " + problem);
    }
    const fs::path& base() const { return base_; }

private:
    fs::path file_;
    fs::path base_;
    Object root_;
};

std::vector<std::string> strings(const Poco::JSON::Array::Ptr& array)
{
    std::vector<std::string> out;
    if (!array)
        return out;
    for (std::size_t i = 0; i < array->size(); ++i)
        out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

core::SectionContact section(const Object& o)
{
    return { o->optValue<std::string>("name", ""), o->optValue<std::string>("nameEn", ""),
        o->optValue<std::string>("phone", ""), o->optValue<std::string>("extension", ""),
        strings(o->getArray("regions")) };
}

} // namespace

std::string executableDir()
{
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path().string() : exe.parent_path().string();
}

namespace {
std::string firstExisting(std::initializer_list<fs::path> candidates)
{
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_directory(c, ec))
            return fs::weakly_canonical(c).string();
    }
    return (*candidates.begin()).lexically_normal().string();
}
} // namespace

// Installed: bin/../lib/certgate/plugins, bin/../share/certgate/...; the build tree has the
// same plugins folder (build/lib/certgate/plugins)
// and the source tree's folders (build/bin/../../).
std::string defaultPluginsDir()
{
    fs::path bin = executableDir();
    return firstExisting({ bin / "../lib/certgate/plugins", bin / "../lib64/certgate/plugins" });
}
std::string defaultCaProfilesDir()
{
    fs::path bin = executableDir();
    return firstExisting({ bin / "../share/certgate/ca-profiles", bin / "../../ca-profiles" });
}
std::string defaultMigrationsDir()
{
    fs::path bin = executableDir();
    return firstExisting({ bin / "../share/certgate/sql", bin / "../../sql" });
}
std::string defaultWebRoot()
{
    fs::path bin = executableDir();
    return firstExisting({ bin / "../share/certgate/web", bin / "../../web" });
}

// The build puts the vendored npm libraries in <build>/web-vendor; installed, they are beside
// the pages.
std::string defaultVendorRoot()
{
    fs::path bin = executableDir();
    return firstExisting({ bin / "../share/certgate/web-vendor", bin / "../web-vendor" });
}

namespace {

// server.connections (README "Connections"): every value optional, each a positive number.
void readConnections(const Reader& r, const Object& server, net::Limits& l)
{
    auto count = [&r](const Object& o, const char* key, const char* where, std::size_t fallback,
                     std::int64_t minimum) {
        auto value = r.integer(o, key, where, static_cast<std::int64_t>(fallback));
        if (value < minimum)
            r.fail(std::string(where) + "." + key, "must be at least " + std::to_string(minimum));
        return static_cast<std::size_t>(value);
    };
    auto millis = [&](const Object& o, const char* key, net::Limits::Millis fallback) {
        return net::Limits::Millis(static_cast<std::int64_t>(
            count(o, key, "server.connections", static_cast<std::size_t>(fallback.count()), 1)));
    };
    l.workerThreads = count(server, "maxThreads", "server", l.workerThreads, 1);
    if (!server->has("connections"))
        return;
    auto c = server->getObject("connections");
    if (!c)
        r.fail("server.connections", "must be an object");
    const char* where = "server.connections";
    l.maxConnections = count(c, "max", where, l.maxConnections, 1);
    l.maxConnectionsPerAddress = count(c, "maxPerAddress", where, l.maxConnectionsPerAddress, 1);
    l.pressureConnections = count(c, "pressureAt", where, l.pressureConnections, 0);
    l.workerThreads = count(c, "workers", where, l.workerThreads, 1);
    l.maxQueuedRequests = count(c, "maxQueued", where, l.maxQueuedRequests, 0);
    l.ioThreads = count(c, "ioThreads", where, l.ioThreads, 0);
    l.maxHeaderBytes = count(c, "maxHeaderBytes", where, l.maxHeaderBytes, 1024);
    l.handshakeTimeout = millis(c, "handshakeMs", l.handshakeTimeout);
    l.idleTimeout = millis(c, "idleMs", l.idleTimeout);
    l.headerTimeout = millis(c, "headerMs", l.headerTimeout);
    l.bodyTimeout = millis(c, "bodyMs", l.bodyTimeout);
    l.writeTimeout = millis(c, "writeMs", l.writeTimeout);
    l.pressureIdleTimeout = millis(c, "pressureIdleMs", l.pressureIdleTimeout);
    l.logIntervalSeconds = static_cast<int>(
        count(c, "logIntervalSeconds", where, static_cast<std::size_t>(l.logIntervalSeconds), 1));
}

// portal.rateLimits (README "Rate limits"): requests per minute, each optional, at least 1.
void readRateLimits(const Reader& r, const Object& portal, core::RateLimitSettings& l)
{
    auto o = r.optionalObject(portal, "rateLimits", "portal");
    if (!o)
        return;
    auto perMinute = [&](const char* key, int& value) {
        auto read = r.integer(o, key, "portal.rateLimits", value);
        if (read < 1 || read > 100'000'000)
            r.fail(std::string("portal.rateLimits.") + key, "must be 1..100000000");
        value = static_cast<int>(read);
    };
    perMinute("flowsPerClient", l.flowsPerClient);
    perMinute("noncesPerClient", l.noncesPerClient);
    perMinute("cardStepsPerClient", l.cardStepsPerClient);
    perMinute("cardStepsPerFlow", l.cardStepsPerFlow);
    perMinute("cardStepsPerCertificate", l.cardStepsPerCertificate);
    perMinute("staffLoginsPerClient", l.staffLoginsPerClient);
    perMinute("auditRepeatedRefusalEvery", l.auditRepeatedRefusalEvery);
}

/// portal.hipki (docs/token-hipki.md): off unless the deployment turns it on.
void readHipki(const Reader& r, const Object& portal, core::HipkiSettings& h)
{
    auto o = r.optionalObject(portal, "hipki", "portal");
    if (!o)
        return;
    h.enabled = r.boolean(o, "enabled", "portal.hipki", h.enabled);
    h.maxNonceAgeSeconds = r.integer(o, "maxNonceAgeSeconds", "portal.hipki", h.maxNonceAgeSeconds);
    if (h.maxNonceAgeSeconds < 10 || h.maxNonceAgeSeconds > 600)
        r.fail("portal.hipki.maxNonceAgeSeconds", "must be 10..600");
    h.localServer = r.string(o, "localServer", "portal.hipki", h.localServer);
    // An origin on the user's own PC: the pages open its popup and post it the PIN.
    if (!std::regex_match(
            h.localServer, std::regex(R"(^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?$)")))
        r.fail("portal.hipki.localServer",
            "must be http://localhost[:port] or http://127.0.0.1[:port] without a path");
}

} // namespace

Config loadConfig(const std::string& file)
{
    Reader r(file, parseObject(file));
    Config c;
    c.file = fs::absolute(file).string();

    auto server = r.section("server");
    c.host = r.string(server, "host", "server", c.host);
    auto port = r.integer(server, "port", "server", c.port);
    if (port < 0 || port > 65535)
        r.fail("server.port", "must be 0..65535");
    c.port = static_cast<std::uint16_t>(port);
    c.webRoot = r.path(server, "webRoot", "server", defaultWebRoot());
    c.vendorRoot = r.path(server, "vendorRoot", "server", defaultVendorRoot());
    readConnections(r, server, c.connections);
    c.trustedProxies = strings(server->getArray("trustedProxies"));
    c.portal.origin = r.string(server, "publicOrigin", "server");
    if (c.portal.origin.empty())
        r.fail(
            "server.publicOrigin", "is required: the portal's origin exactly as browsers send it");
    if (!std::regex_match(c.portal.origin, std::regex(R"(^https?://[A-Za-z0-9.\-]+(:[0-9]+)?$)")))
        r.fail("server.publicOrigin", "must be scheme://host[:port] without a path");
    if (server->has("tls")) {
        auto tls = server->getObject("tls");
        c.tlsCertificate = r.path(tls, "certificate", "server.tls");
        c.tlsPrivateKey = r.path(tls, "privateKey", "server.tls");
        if (c.tlsCertificate.empty() != c.tlsPrivateKey.empty())
            r.fail("server.tls", "needs both certificate and privateKey");
        c.tlsCiphers = r.string(tls, "ciphers", "server.tls");
        c.tlsMinVersion = r.string(tls, "minVersion", "server.tls", c.tlsMinVersion);
        if (c.tlsMinVersion != "TLSv1.2" && c.tlsMinVersion != "TLSv1.3")
            r.fail("server.tls.minVersion", "must be \"TLSv1.2\" or \"TLSv1.3\"");
    }

    auto agent = r.section("agent");
    c.agentUrl = r.string(agent, "url", "agent", c.agentUrl);

    auto database = r.section("database");
    c.databaseBackend = r.string(database, "backend", "database", c.databaseBackend);
    if (c.databaseBackend == "mysql")
        c.databaseBackend = "mariadb"; // the same backend (SOCI's MySQL one), one name
    if (c.databaseBackend != "sqlite3" && c.databaseBackend != "postgresql"
        && c.databaseBackend != "mariadb")
        r.fail("database.backend", "must be sqlite3, postgresql or mariadb (mysql)");
    c.databaseConnection = r.string(database, "connection", "database");
    if (c.databaseBackend == "sqlite3") {
        // "db=relative/path" is relative to the configuration file like every other path.
        auto connection
            = c.databaseConnection.empty() ? std::string("db=certgate.db") : c.databaseConnection;
        std::smatch m;
        if (std::regex_match(connection, m, std::regex(R"(^db=([^ ]+)(.*)$)"))
            && m[1].str() != ":memory:")
            connection = "db=" + r.resolve(m[1].str()) + m[2].str();
        c.databaseConnection = connection;
    } else if (c.databaseConnection.empty()) {
        r.fail("database.connection",
            "is required for postgresql (e.g. \"host=... dbname=... user=...\")");
    }
    c.databasePoolSize
        = static_cast<int>(r.integer(database, "poolSize", "database", c.databasePoolSize));
    c.databaseConnectTimeoutSeconds = static_cast<int>(
        r.integer(database, "connectTimeoutSeconds", "database", c.databaseConnectTimeoutSeconds));
    if (c.databaseConnectTimeoutSeconds < 0)
        r.fail("database.connectTimeoutSeconds", "must be 0 (no limit) or more");
    c.databaseBusyTimeoutMs = static_cast<int>(
        r.integer(database, "busyTimeoutMs", "database", c.databaseBusyTimeoutMs));
    if (c.databaseBusyTimeoutMs < 1)
        r.fail("database.busyTimeoutMs", "must be 1 or more (milliseconds)");
    c.migrations = r.path(database, "migrations", "database", defaultMigrationsDir());

    auto cas = r.section("cas");
    c.caProfiles = r.path(cas, "profiles", "cas", defaultCaProfilesDir());
    c.plugins = r.path(cas, "plugins", "cas", defaultPluginsDir());

    auto security = r.section("security");
    c.piiKeys = r.keyRing(security, "piiKey", "security", c.piiKeyFile);
    c.auditKeys = r.keyRing(security, "auditKey", "security", c.auditKeyFile);

    auto portal = r.section("portal");
    c.portal.agencyCodePattern
        = r.string(portal, "agencyCodePattern", "portal", c.portal.agencyCodePattern);
    try {
        std::regex check(c.portal.agencyCodePattern);
    } catch (const std::regex_error&) {
        r.fail("portal.agencyCodePattern", "is not a valid regular expression");
    }
    c.portal.nonceLifetimeSeconds
        = r.integer(portal, "nonceLifetimeSeconds", "portal", c.portal.nonceLifetimeSeconds);
    c.portal.flowIdleSeconds
        = r.integer(portal, "flowIdleSeconds", "portal", c.portal.flowIdleSeconds);
    c.portal.flowMaxSeconds
        = r.integer(portal, "flowMaxSeconds", "portal", c.portal.flowMaxSeconds);
    c.portal.staffSessionSeconds
        = r.integer(portal, "staffSessionSeconds", "portal", c.portal.staffSessionSeconds);
    c.portal.receiptQueriesPerMinute = static_cast<int>(
        r.integer(portal, "receiptQueriesPerMinute", "portal", c.portal.receiptQueriesPerMinute));
    readRateLimits(r, portal, c.portal.rateLimits);
    readHipki(r, portal, c.portal.hipki);

    auto functionsFile
        = r.path(portal, "functionsFile", "portal", (r.base() / "functions.json").string());
    auto functions = parseObject(functionsFile)->getArray("functions");
    if (!functions || functions->size() == 0)
        throw std::runtime_error(functionsFile + ": functions must be a non-empty array");
    for (std::size_t i = 0; i < functions->size(); ++i) {
        auto f = functions->getObject(static_cast<unsigned>(i));
        c.portal.functions.push_back({ f->getValue<std::string>("id"),
            f->getValue<std::string>("label"), f->optValue<std::string>("labelEn", "") });
    }
    auto sectionsFile
        = r.path(portal, "sectionsFile", "portal", (r.base() / "sections.json").string());
    auto sections = parseObject(sectionsFile);
    if (auto list = sections->getArray("sections"))
        for (std::size_t i = 0; i < list->size(); ++i)
            c.portal.sections.push_back(section(list->getObject(static_cast<unsigned>(i))));
    if (auto fallback = sections->getObject("fallback"))
        c.portal.fallbackSection = section(fallback);
    auto holidaysFile
        = r.path(portal, "holidaysFile", "portal", (r.base() / "holidays.json").string());
    auto holidays = parseObject(holidaysFile);
    for (const auto& d : strings(holidays->getArray("holidays")))
        c.holidays.insert(d);
    for (const auto& d : strings(holidays->getArray("workingWeekends")))
        c.workingWeekends.insert(d);

    auto metrics = r.section("metrics");
    if (auto listen = r.string(metrics, "listen", "metrics"); !listen.empty()) {
        auto colon = listen.rfind(':');
        auto host = colon == std::string::npos ? std::string() : listen.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        int metricsPort = -1;
        try {
            metricsPort = colon == std::string::npos ? -1 : std::stoi(listen.substr(colon + 1));
        } catch (const std::exception&) {
        }
        if (host.empty() || metricsPort < 0 || metricsPort > 65535)
            r.fail("metrics.listen", "must be host:port, e.g. 127.0.0.1:9464");
        c.metricsHost = host;
        c.metricsPort = static_cast<std::uint16_t>(metricsPort);
    }
    if (metrics && metrics->has("allow"))
        c.metricsAllow = strings(metrics->getArray("allow"));

    auto logging = r.section("logging");
    c.logLevel = r.string(logging, "level", "logging", c.logLevel);
    c.logFile = r.path(logging, "file", "logging");
    c.logFormat = r.string(logging, "format", "logging", c.logFormat);
    if (c.logFormat != "text" && c.logFormat != "json")
        r.fail("logging.format", "must be text or json");
    try {
        Poco::Logger::parseLevel(c.logLevel);
    } catch (const Poco::Exception&) {
        r.fail("logging.level", "must be error, warning, notice, information, debug or trace");
    }
    c.auditHeadLogSeconds
        = r.integer(logging, "auditHeadSeconds", "logging", c.auditHeadLogSeconds);
    auto retention = r.section("retention");
    c.purgeEverySeconds
        = r.integer(retention, "purgeEverySeconds", "retention", c.purgeEverySeconds);
    if (c.purgeEverySeconds < 1 || c.purgeEverySeconds > 86400)
        r.fail("retention.purgeEverySeconds", "must be 1..86400");
    c.keepExpiredSeconds
        = r.integer(retention, "keepExpiredSeconds", "retention", c.keepExpiredSeconds);
    if (c.keepExpiredSeconds < 0 || c.keepExpiredSeconds > 30 * 86400)
        r.fail("retention.keepExpiredSeconds", "must be 0..2592000");
    c.keepCardStatisticsSeconds = r.integer(
        retention, "keepCardStatisticsSeconds", "retention", c.keepCardStatisticsSeconds);
    if (c.keepCardStatisticsSeconds < 86400 || c.keepCardStatisticsSeconds > 400 * 86400)
        r.fail("retention.keepCardStatisticsSeconds", "must be 86400..34560000 (one day at least)");
    if (c.auditHeadLogSeconds < 0)
        r.fail("logging.auditHeadSeconds", "must be 0 (off) or a number of seconds");

    auto testing = r.section("testing");
    c.clockOffsetFile = r.path(testing, "clockOffsetFile", "testing");
    c.portal.testPauseInsideConfirmMs = r.integer(testing, "pauseInsideConfirmMs", "testing", 0);
    if (c.portal.testPauseInsideConfirmMs < 0)
        r.fail("testing.pauseInsideConfirmMs", "must be 0 or more");
    return c;
}

} // namespace certgate::app
