// The commands that work on the bureau's database: serve, migrate, import-agencies, staff,
// audit.
#include "Commands.hpp"
#include "Logging.hpp"
#include "ServiceMetrics.hpp"

#include <certgate/app/Services.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/http/HttpServer.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sstream>
#include <thread>

namespace certgate::app {

namespace {

// Retention: expired flows, nonces, staff sessions and rate-limit windows go; what went is
// audited as counts (nothing when nothing expired). Receipts and the audit chain stay.
void purgeExpired(Services& services)
{
    const auto& config = services.config();
    const auto now = services.clock().now();
    auto counts = services.storage().purgeExpired(now - config.keepExpiredSeconds);
    counts.cardStatistics
        = services.storage().purgeCardStatistics(now - config.keepCardStatisticsSeconds);
    if (counts.total() == 0)
        return;
    services.audit().append({ "system", "retention.purge", "ok", "", "", "",
        R"({"flows":)" + std::to_string(counts.flows) + R"(,"nonces":)"
            + std::to_string(counts.nonces) + R"(,"staffSessions":)"
            + std::to_string(counts.staffSessions) + R"(,"rateLimitWindows":)"
            + std::to_string(counts.rateLimitWindows) + R"(,"cardStatistics":)"
            + std::to_string(counts.cardStatistics) + "}" });
}

// The admin dashboard's card counts: this instance's, added to the shared rows. During an
// outage they stay in memory (logged once by the storage) and go with the next flush.
constexpr std::chrono::seconds kStatisticsFlush { 5 };

void flushCardStatistics(Services& services, Poco::Logger& log)
{
    try {
        services.cardStatistics().flush(services.storage());
    } catch (const core::Error& e) {
        if (e.code() != core::ErrorCode::DatabaseUnavailable)
            log.warning("storing the card statistics failed: %s", std::string(e.what()));
    } catch (const std::exception& e) {
        log.warning("storing the card statistics failed: %s", std::string(e.what()));
    }
}

// Key rotation (issue 18 item 4): a key `certgate keys rotate` added while serving becomes the
// current one here at the next housekeeping round (a value written under it is read at once:
// the ring re-reads its files for a key it lacks).
void reloadKeys(Services& services, Poco::Logger& log)
{
    const auto pii = services.piiKeys().currentId();
    const auto audit = services.auditKeys().currentId();
    try {
        services.reloadKeys();
    } catch (const std::exception& e) {
        log.warning("re-reading the key files failed (the keys stay as they were): %s",
            std::string(e.what()));
        return;
    }
    if (services.piiKeys().currentId() != pii || services.auditKeys().currentId() != audit)
        log.information("keys: personal data now under key %s, the audit chain under key %s",
            services.piiKeys().currentId(), services.auditKeys().currentId());
}

// No silent refusals (issue 13): a profile that can accept no card, and a CA certificate about
// to expire, say so at start and after every reload.
void warnAboutTrust(const Trust& trust, Poco::Logger& log)
{
    for (const auto& profile : trust.status().profiles) {
        for (const auto& warning : profile.trust.warnings)
            log.warning("CA profile %s: %s", profile.id, warning);
        if (!profile.trust.acceptsCards)
            log.warning("CA profile %s accepts no card: %s (certgate ca status; "
                        "ca-profiles/README.md)",
                profile.id,
                profile.trust.problems.empty() ? std::string("see certgate ca status")
                                               : profile.trust.problems.back());
    }
}

// SIGHUP and the admin page: take up the CA profiles as they are on disk now, audited.
Poco::JSON::Object::Ptr reloadTrust(Services& services, const std::string& actor)
{
    auto& log = Poco::Logger::get("certgate");
    auto result = services.trust().reload();
    for (const auto& message : result.messages)
        (result.changed && result.kept.empty() ? log.information(message) : log.warning(message));
    if (result.changed)
        warnAboutTrust(services.trust(), log);
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("changed", result.changed);
    Poco::JSON::Array::Ptr messages = new Poco::JSON::Array;
    for (const auto& message : result.messages)
        messages->add(message);
    out->set("messages", messages);
    out->set("acceptsCards", services.trust().status().allAcceptCards());
    core::AuditLog::Entry entry;
    entry.actor = actor;
    entry.action = "ca.reload";
    entry.outcome = result.changed ? "ok" : "refused";
    std::ostringstream details;
    out->stringify(details);
    entry.details = details.str();
    services.audit().append(entry);
    return out;
}

} // namespace

int serve(Args args)
{
    std::vector<std::string> rest;
    auto file = configOption(args, rest);
    std::optional<std::uint16_t> portOverride;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == "--port" && i + 1 < rest.size())
            portOverride = static_cast<std::uint16_t>(std::stoi(rest[++i]));
        else
            throw UsageError("unexpected argument " + rest[i]);
    }
    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // the main thread alone takes them with sigwait.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGHUP); // reload the CA profiles
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    auto config = loadConfig(file);
    if (portOverride)
        config.port = *portOverride;
    applyLoggingConfig(config);
    Services services(config);
    auto& log = Poco::Logger::get("certgate");

    http::ServerOptions options;
    options.host = config.host;
    options.port = config.port;
    options.tlsCertificate = config.tlsCertificate;
    options.tlsPrivateKey = config.tlsPrivateKey;
    options.webRoot = config.webRoot;
    options.vendorRoot = config.vendorRoot;
    options.agentUrl = config.agentUrl;
    if (config.portal.hipki.enabled)
        options.hipkiLocalServer = config.portal.hipki.localServer;
    options.publicOrigin = config.portal.origin;
    options.trustedProxies = config.trustedProxies;
    options.metricsHost = config.metricsHost;
    options.metricsPort = config.metricsPort;
    options.metricsAllow = config.metricsAllow;
    options.limits = config.connections;
    if (!config.tlsCiphers.empty())
        options.tls.ciphers = config.tlsCiphers;
    options.tls.minVersion = config.tlsMinVersion;
    options.version = CERTGATE_VERSION;
    options.databaseBackend = config.databaseBackend;
    options.databaseAlive = [&services] {
        return services.storage().ping();
    };
    warnAboutTrust(services.trust(), log);
    options.trustStatus = [&services] {
        return trustStatusJson(services.trust().status());
    };
    options.dashboard = [&services] {
        return services.dashboard().view();
    };
    options.reloadTrust = [&services](const std::string& staff) {
        return reloadTrust(services, "staff:" + staff);
    };
    options.onRefusal = [&services](const std::string& method, const std::string& path,
                            const std::string& client, const core::Error& error) {
        core::AuditLog::Entry entry;
        entry.actor = "client:" + client;
        entry.action = "http." + method + " " + path;
        entry.outcome = "refused";
        entry.errorCode = std::string(core::toString(error.code()));
        Poco::JSON::Object details;
        if (!error.field().empty())
            details.set("field", error.field());
        std::ostringstream text;
        details.stringify(text);
        entry.details = text.str();
        services.audit().append(entry);
    };
    http::HttpServer server(
        options, services.portal(), services.admin(), services.trust().plugins());
    server.start();
    log.information("certgate %s serving %s (database %s, %d CA plugins)",
        std::string(CERTGATE_VERSION), server.url(), config.databaseBackend,
        static_cast<int>(services.trust().plugins().loadedIds().size()));

    // Housekeeping: expired flows, nonces and staff sessions are purged once a minute (an hour
    // after they expired, so a late replay still reads NONCE_EXPIRED rather than
    // NONCE_UNKNOWN); the audit head is logged at start, when it has moved, and at the end.
    std::string loggedHead;
    auto logAuditHead = [&] {
        try {
            auto last = services.storage().lastAuditEvent();
            std::string head = last ? std::to_string(last->seq) + ":" + last->hash : "0:";
            if (head != loggedHead)
                log.information("audit head %s (certgate audit verify --expect-head)", head);
            loggedHead = head;
        } catch (const std::exception& e) {
            log.warning("reading the audit head failed: %s", std::string(e.what()));
        }
    };
    if (config.auditHeadLogSeconds > 0)
        logAuditHead();
    auto serviceMetrics = registerServiceMetrics(services);
    if (auto url = server.metricsUrl(); !url.empty()) {
        log.information("metrics on %s", url);
        std::cout << "certgate: metrics on " << url << std::endl;
    }
    std::cout << "certgate: listening on " << server.url() << std::endl;
    std::atomic<bool> stopping = false;
    std::thread housekeeper([&] {
        using Steady = std::chrono::steady_clock;
        auto nextPurge = Steady::now();
        auto nextHead = Steady::now() + std::chrono::seconds(config.auditHeadLogSeconds);
        auto nextStatistics = Steady::now() + kStatisticsFlush;
        while (!stopping) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            auto now = Steady::now();
            if (now >= nextPurge) {
                nextPurge = now + std::chrono::seconds(config.purgeEverySeconds);
                reloadKeys(services, log);
                try {
                    purgeExpired(services);
                } catch (const core::Error& e) {
                    // An outage is logged by the storage, once.
                    if (e.code() != core::ErrorCode::DatabaseUnavailable)
                        log.warning("purging expired flows failed: %s", std::string(e.what()));
                } catch (const std::exception& e) {
                    log.warning("purging expired flows failed: %s", std::string(e.what()));
                }
            }
            if (now >= nextStatistics) {
                nextStatistics = now + kStatisticsFlush;
                flushCardStatistics(services, log);
            }
            if (config.auditHeadLogSeconds > 0 && now >= nextHead) {
                nextHead = now + std::chrono::seconds(config.auditHeadLogSeconds);
                logAuditHead();
            }
        }
    });
    int signal = 0;
    while (sigwait(&stopSignals, &signal) == 0 && signal == SIGHUP) {
        log.information("SIGHUP: reloading the CA profiles");
        reloadTrust(services, "signal:SIGHUP");
    }
    log.information("certgate stopping (signal %d)", signal);
    stopping = true;
    housekeeper.join();
    server.stop();
    flushCardStatistics(services, log);
    if (config.auditHeadLogSeconds > 0)
        logAuditHead();
    return 0;
}

int migrate(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    if (!rest.empty())
        throw UsageError("unexpected argument " + rest.front());
    int applied = applyMigrations(config);
    std::cout << "certgate: " << applied << " migration(s) applied to the "
              << config.databaseBackend << " database" << std::endl;
    return 0;
}

int importAgencies(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    bool dryRun = false;
    std::string file;
    for (const auto& arg : rest) {
        if (arg == "--dry-run")
            dryRun = true;
        else if (arg.starts_with("--") || !file.empty())
            throw UsageError("unexpected argument " + arg);
        else
            file = arg;
    }
    if (file.empty())
        throw UsageError(
            "import-agencies needs a CSV file (code,name,region,expected_ca,expected_identifier)");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw UsageError("cannot read " + file);
    std::ostringstream text;
    text << in.rdbuf();
    Services services(config);
    auto report = services.admin().importAgencies("cli", text.str(), dryRun);
    for (const auto& p : report.problems)
        std::cerr << file << ":" << p.line << ": " << (p.field.empty() ? "" : p.field + ": ")
                  << p.messageZh << " / " << p.messageEn << "\n";
    std::cout << (dryRun ? "dry run: " : "") << report.lines << " line(s); " << report.added
              << " new, " << report.updated << " changed, " << report.unchanged << " unchanged; "
              << (report.applied ? "imported."
                                 : (report.problems.empty() ? "nothing written (dry run)."
                                                            : "nothing written."))
              << std::endl;
    return report.problems.empty() ? 0 : 1;
}

int staff(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    if (rest.empty())
        throw UsageError("staff needs add, list or disable");
    auto action = rest.front();
    Services services(config);
    if (action == "list") {
        for (const auto& s : services.admin().staff())
            std::cout << s.id << "  " << s.role << "  " << s.name << "  " << s.certSerial << "  "
                      << s.certIssuer << (s.disabledAt ? "  (disabled)" : "") << "\n";
        return 0;
    }
    if (action == "disable") {
        if (rest.size() != 2)
            throw UsageError("staff disable needs a staff id");
        services.admin().disableStaff("cli", rest[1]);
        return 0;
    }
    if (action != "add")
        throw UsageError("staff needs add, list or disable");
    std::string name, certificate, issuer, serial, role = "admin";
    for (std::size_t i = 1; i < rest.size(); ++i) {
        auto value = [&]() {
            if (i + 1 >= rest.size())
                throw UsageError(rest[i] + " needs a value");
            return rest[++i];
        };
        if (rest[i] == "--name")
            name = value();
        else if (rest[i] == "--certificate")
            certificate = value();
        else if (rest[i] == "--issuer")
            issuer = value();
        else if (rest[i] == "--serial")
            serial = value();
        else if (rest[i] == "--role")
            role = value();
        else
            throw UsageError("unexpected argument " + rest[i]);
    }
    if (!certificate.empty()) {
        std::ifstream in(certificate, std::ios::binary);
        if (!in)
            throw UsageError("cannot read " + certificate);
        std::string contents((std::istreambuf_iterator<char>(in)), {});
        auto der = x509::readCertificates(
            std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()))
                       .at(0);
        auto view = services.trust().validator()->parse(der);
        issuer = view.issuerString;
        serial = view.serialHex;
        if (name.empty())
            name = view.subjectValue("CN");
    }
    if (name.empty() || issuer.empty() || serial.empty())
        throw UsageError(
            "staff add needs --name and either --certificate FILE or --issuer DN --serial HEX");
    auto added = services.admin().addStaff("cli", name, issuer, serial, role);
    std::cout << "certgate: staff " << added.id << " (" << added.role << ") " << added.name
              << " bound to serial " << added.certSerial << std::endl;
    return 0;
}

int audit(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    if (rest.empty() || rest.front() != "verify")
        throw UsageError("audit needs verify [--expect-head SEQ:HASH]");
    std::string expectHead;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] == "--expect-head" && i + 1 < rest.size())
            expectHead = rest[++i];
        else
            throw UsageError("unexpected argument " + rest[i]);
    }
    Services services(config, false);
    auto result = services.audit().verify();
    auto last = services.storage().lastAuditEvent();
    std::string head = last ? std::to_string(last->seq) + ":" + last->hash : "0:";
    Poco::JSON::Object out;
    bool ok = result.ok;
    std::string problem = result.problem;
    // Truncating the newest rows leaves a valid shorter chain; comparing with a head recorded
    // elsewhere (printed by every run) catches that too.
    if (ok && !expectHead.empty()) {
        auto colon = expectHead.find(':');
        auto seq = colon == std::string::npos ? -1 : std::stoll(expectHead.substr(0, colon));
        std::vector<core::AuditEvent> at;
        if (seq > 0)
            at = services.storage().listAuditEvents(seq, 1);
        if (at.empty() || std::to_string(at.front().seq) + ":" + at.front().hash != expectHead) {
            ok = false;
            problem = "the recorded head " + expectHead
                + " is not in the chain (rows removed or rewritten)";
        }
    }
    out.set("ok", ok);
    out.set("checked", result.checked);
    out.set("head", head);
    if (!ok) {
        out.set("firstBadSeq", result.firstBadSeq);
        out.set("problem", problem);
    }
    out.stringify(std::cout, 2);
    std::cout << std::endl;
    return ok ? 0 : 1;
}

} // namespace certgate::app
