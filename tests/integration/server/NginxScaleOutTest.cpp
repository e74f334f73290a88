// Scale-out behind nginx (issue 16 item 1): the shipped site configuration
// (packaging/nginx/certgate.conf) in a real nginx, in front of two `certgate serve` instances
// over HTTPS on one PostgreSQL database, everything on 127.0.0.1. Flows, nonces, sessions, CSRF
// tokens and rate limits live in the database, so nginx may send each request of a flow to
// either instance (round robin, one worker: it alternates); an instance killed with SIGKILL
// loses nothing; the audit chain stays one chain; and the address the audit log and the rate
// limits use is the one nginx saw, never one the client wrote into X-Forwarded-For.
#include "PortalTestSupport.hpp"

#include <certgate/test/CardSigner.hpp>
#include <certgate/test/Nginx.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace certgate::test {
namespace {

using namespace std::chrono_literals;

/// nginx connects to the instances from this address (proxy_bind), the only one they trust
/// with X-Forwarded-For; the test itself connects from 127.0.0.1. A request that came through
/// nginx is so told apart from one sent to an instance directly.
constexpr const char* kNginxAddress = "127.0.0.3";

std::string portOf(const std::string& url)
{
    return url.substr(url.rfind(':') + 1);
}

/// packaging/nginx/certgate.conf with each `from` replaced by `to`; a `from` the file lacks
/// fails the test (the shipped file is the one under test).
std::string shippedSite(const std::vector<std::pair<std::string, std::string>>& replacements)
{
    auto text = readTextFile(sourceDir() + "/packaging/nginx/certgate.conf");
    for (const auto& [from, to] : replacements) {
        auto at = text.find(from);
        if (at == std::string::npos)
            throw std::runtime_error("packaging/nginx/certgate.conf has no \"" + from + "\"");
        for (; at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    }
    return text;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

class NginxScaleOutTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        const auto& pki = TestPki::get();
        Json tls = new Poco::JSON::Object;
        tls->set("certificate", pki.tlsCertificate());
        tls->set("privateKey", pki.tlsPrivateKey());
        config->getObject("server")->set("tls", tls);
        Poco::JSON::Array::Ptr proxies = new Poco::JSON::Array;
        proxies->add(kNginxAddress);
        config->getObject("server")->set("trustedProxies", proxies);
        if (pauseInsideConfirmMs_ > 0)
            setConfigValue(config, "testing", "pauseInsideConfirmMs", pauseInsideConfirmMs_);
    }

    void SetUp() override
    {
        PortalTest::SetUp();
        second_ = std::make_unique<ServerInstance>(database_, options());
        editConfig(*second_, [this](Json& config) { configure(config); });
        second_->start();
        const auto& pki = TestPki::get();
        const auto port = Nginx::freePort();
        nginxUrl_ = "https://127.0.0.1:" + std::to_string(port);
        const auto site = shippedSite({
            { "127.0.0.1:8443", "127.0.0.1:" + portOf(server_->url()) },
            { "127.0.0.1:8444", "127.0.0.1:" + portOf(second_->url()) },
            { "listen 443 ssl", "listen 127.0.0.1:" + std::to_string(port) + " ssl" },
            { "listen 80;", "listen 127.0.0.1:" + std::to_string(Nginx::freePort()) + ";" },
            { "portal.example.gov.tw", "portal.certgate.test" },
            { "/etc/certgate/tls/portal.pem", pki.tlsCertificate() },
            { "/etc/certgate/tls/portal.key", pki.tlsPrivateKey() },
            { "/etc/ssl/certs/ca-certificates.crt", pki.tlsCa() },
        });
        nginx_ = std::make_unique<Nginx>("proxy_bind " + std::string(kNginxAddress) + ";\n" + site,
            static_cast<std::uint16_t>(port));
        nginx_->start();
    }

    void TearDown() override { nginx_.reset(); }

    /// A browser that reaches the portal through nginx.
    FlowClient viaNginx() const { return FlowClient(nginxUrl_, server_->origin()); }
    FlowClient startViaNginx(const std::string& type) const
    {
        auto flow = viaNginx();
        require(flow.start(type), 201, "start " + type + " through nginx");
        return flow;
    }

    /// One request of a flow as nginx's access log has it: "POST challenge" and the instance
    /// ports it went to ("40123", or "40123 40125" when nginx moved on from the first).
    struct Hop {
        std::string request;
        std::string ports;
        std::string last() const { return ports.substr(ports.rfind(' ') + 1); }
    };

    /// nginx logs a request after its answer is out: waits (bounded) for `expected` lines.
    std::vector<Hop> routeOf(const std::string& flowId, std::size_t expected) const
    {
        auto route = readRoute(flowId);
        for (int i = 0; i < 100 && route.size() < expected; ++i) {
            std::this_thread::sleep_for(50ms);
            route = readRoute(flowId);
        }
        return route;
    }

    std::vector<Hop> readRoute(const std::string& flowId) const
    {
        std::vector<Hop> route;
        std::istringstream lines(nginx_->accessLog());
        for (std::string line; std::getline(lines, line);) {
            if (!contains(line, flowId))
                continue;
            std::istringstream fields(line);
            std::string method, path, status, upstream;
            fields >> method >> path >> status;
            Hop hop { method + " " + path.substr(path.rfind('/') + 1), {} };
            while (fields >> upstream)
                hop.ports += (hop.ports.empty() ? "" : " ")
                    + upstream.substr(
                        upstream.rfind(':') + 1, upstream.find(',') - upstream.rfind(':') - 1);
            route.push_back(hop);
        }
        return route;
    }

    std::string portOfA() const { return portOf(server_->url()); }
    std::string portOfB() const { return portOf(second_->url()); }

    /// A query-serial login (new flow, challenge, citizen card) through `base`.
    void login(const std::string& base) const
    {
        FlowClient flow(base, server_->origin());
        require(flow.start("query-serial"), 201, "start a login");
        require(flow.citizenCard(card("moica-wang").nationalId, "moica-wang"), 200, "citizen card");
    }

    int rowsOf(const std::string& agency) const
    {
        return count("FROM registrations WHERE agency_code = '" + agency + "'")
            + count("FROM org_certificates WHERE agency_code = '" + agency + "'")
            + count("FROM managers WHERE agency_code = '" + agency + "'")
            + count("FROM receipts WHERE agency_code = '" + agency + "'");
    }

    void expectChainVerifies(const ServerInstance& survivor) const
    {
        auto verified = survivor.cli({ "audit", "verify" });
        EXPECT_EQ(verified.exitCode, 0) << verified.output;
    }

    int pauseInsideConfirmMs_ = 0;
    std::unique_ptr<ServerInstance> second_;
    std::string nginxUrl_;
    std::unique_ptr<Nginx> nginx_;
};

TEST_P(NginxScaleOutTest, AFlowThroughNginxMovesBetweenInstancesWithItsNonceSessionAndCsrf)
{
    auto flow = startViaNginx("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager card");
    require(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 200, "confirm");
    EXPECT_EQ(flow.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);

    // nginx alternated: each nonce was issued by one instance and redeemed on the other, each
    // rotated session and CSRF token made by one was accepted by the other.
    const std::vector<std::string> steps { "POST terms", "POST challenge", "POST organisation-card",
        "POST challenge", "POST manager-card", "POST confirm" };
    const auto route = routeOf(flow.flowId(), steps.size());
    ASSERT_EQ(route.size(), steps.size()) << nginx_->accessLog();
    std::set<std::string> instances;
    for (std::size_t i = 0; i < route.size(); ++i) {
        EXPECT_EQ(route[i].request, steps[i]);
        instances.insert(route[i].ports);
        if (i > 0) {
            EXPECT_NE(route[i].ports, route[i - 1].ports) << steps[i - 1] << ", " << steps[i];
        }
    }
    EXPECT_EQ(instances, (std::set<std::string> { portOfA(), portOfB() }));
    expectChainVerifies(*second_);
}

TEST_P(NginxScaleOutTest, RateLimitsCountAcrossBothInstancesPerClientAddress)
{
    // A fresh minute window of the servers' (shared) clock; 20 receipt queries a minute.
    const auto now = unixNow();
    setServerTime(now - now % 60 + 60 + 1);
    const auto path = "/api/v1/receipts?agencyCode=A0001";
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(answered(httpRequest("GET", nginxUrl_ + path))) << "query " << i + 1;
    // Ten went to each instance; the 21st is refused on both, through nginx and directly: the
    // count is the database's, keyed on the client nginx named.
    EXPECT_TRUE(refused(httpRequest("GET", nginxUrl_ + path), 429, "RATE_LIMITED"));
    EXPECT_TRUE(refused(httpRequest("GET", nginxUrl_ + path), 429, "RATE_LIMITED"));
    EXPECT_TRUE(refused(httpRequest("GET", server_->url() + path), 429, "RATE_LIMITED"));
    EXPECT_TRUE(refused(httpRequest("GET", second_->url() + path), 429, "RATE_LIMITED"));
    EXPECT_EQ(sql("SELECT hits FROM rate_limits WHERE key = 'receipts:127.0.0.1'"), "24");
}

TEST_P(NginxScaleOutTest, OneNoncePostedThroughNginxToBothInstancesAtOnceIsAcceptedOnce)
{
    int successes = 0;
    int replays = 0;
    const auto& wang = card("moica-wang");
    for (int round = 0; round < 5; ++round) {
        auto first = startViaNginx("query-serial");
        auto second = first;
        const auto nonce = first.challenge("citizen");
        const auto token = signToken(wang, server_->origin(), nonce);
        HttpResponse answers[2];
        std::thread threads[2];
        FlowClient* flows[2] = { &first, &second };
        for (int i = 0; i < 2; ++i)
            threads[i] = std::thread([&, i] {
                Json fields = new Poco::JSON::Object;
                fields->set("nationalId", wang.nationalId);
                answers[i] = flows[i]->cardStep("citizen-card", fields, nonce, token);
            });
        for (auto& thread : threads)
            thread.join();
        for (const auto& answer : answers) {
            if (answer.status == 200)
                ++successes;
            else if (errorCode(answer) == "NONCE_REPLAYED"
                || errorCode(answer) == "SESSION_INVALID")
                ++replays;
            else
                ADD_FAILURE() << "unexpected answer " << answer.status << " " << answer.body;
        }
        // The two posts went to the two instances.
        const auto route = routeOf(first.flowId(), 3);
        ASSERT_EQ(route.size(), 3u) << nginx_->accessLog();
        EXPECT_NE(route[1].ports, route[2].ports);
    }
    EXPECT_EQ(successes, 5);
    EXPECT_EQ(replays, 5);
}

TEST_P(NginxScaleOutTest, AnInstanceKilledBetweenStepsLosesNothingAndNginxSendsTheRestToTheOther)
{
    auto flow = startViaNginx("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    server_->kill();

    // Every POST of the rest is answered: nginx could not connect to the dead instance, so it
    // sent the request (not yet sent anywhere) to the other.
    require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager card");
    require(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 200, "confirm");
    EXPECT_EQ(flow.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_TRUE(contains(nginx_->errorLog(), "Connection refused")) << nginx_->errorLog();
    const auto route = routeOf(flow.flowId(), 6);
    ASSERT_EQ(route.size(), 6u) << nginx_->accessLog();
    int movedOn = 0;
    for (std::size_t i = 3; i < route.size(); ++i) {
        EXPECT_EQ(route[i].last(), portOfB()) << route[i].request << " " << route[i].ports;
        movedOn += route[i].ports == portOfA() + " " + portOfB() ? 1 : 0;
    }
    EXPECT_GE(movedOn, 1) << nginx_->accessLog();
    // A new flow goes on too.
    login(nginxUrl_);
    expectChainVerifies(*second_);
}

/// Both instances pause inside confirm's transaction (testing.pauseInsideConfirmMs), long
/// enough to kill the one holding it.
class NginxFailoverTest : public NginxScaleOutTest {
protected:
    NginxFailoverTest() { pauseInsideConfirmMs_ = 3000; }
};

TEST_P(NginxFailoverTest, AnInstanceKilledInsideConfirmLosesNothingAndTheFlowConfirmsOnTheOther)
{
    auto flow = startViaNginx("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager card");

    auto inFlight = flow;
    HttpResponse cut;
    std::thread confirm(
        [&] { cut = inFlight.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"); });
    const std::string paused = "confirm of A0001 paused inside its transaction";
    ServerInstance* holder = nullptr;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         !holder && std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(10ms)) {
        if (contains(server_->output(), paused))
            holder = server_.get();
        else if (contains(second_->output(), paused))
            holder = second_.get();
    }
    if (holder)
        holder->kill();
    confirm.join();
    ASSERT_NE(holder, nullptr) << "no instance paused inside confirm";
    auto* survivor = holder == server_.get() ? second_.get() : server_.get();

    // nginx does not send a POST again once an instance had it (packaging/nginx/certgate.conf):
    // this one answer is 502, and the transaction the instance had open is gone.
    EXPECT_EQ(cut.status, 502) << cut.body;
    EXPECT_EQ(rowsOf("A0001"), 0);
    // The user confirms again; the session is the one before the crash, still good.
    require(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 200, "confirm again");
    EXPECT_EQ(flow.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 1);
    expectChainVerifies(*survivor);
}

TEST_P(NginxScaleOutTest, TheAuditChainStaysOneChainUnderLoadThroughBothInstances)
{
    const auto before = count("FROM audit_events WHERE action = 'query.citizen-serial'");
    // Two browsers through nginx and one directly on each instance, at once.
    const std::vector<std::string> bases { nginxUrl_, nginxUrl_, server_->url(), second_->url() };
    constexpr int loginsEach = 6;
    std::atomic<int> failures = 0;
    std::vector<std::thread> browsers;
    for (const auto& base : bases)
        browsers.emplace_back([&, base] {
            for (int i = 0; i < loginsEach; ++i) {
                try {
                    login(base);
                } catch (const std::exception& e) {
                    ++failures;
                    ADD_FAILURE() << base << ": " << e.what();
                }
            }
        });
    for (auto& browser : browsers)
        browser.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'query.citizen-serial'") - before,
        static_cast<int>(bases.size()) * loginsEach);
    // One chain: consecutive sequence numbers, each row linked to the one before.
    EXPECT_EQ(sql("SELECT COUNT(*) FROM audit_events"),
        sql("SELECT MAX(seq) - MIN(seq) + 1 FROM audit_events"));
    EXPECT_EQ(count("FROM audit_events a JOIN audit_events b ON b.seq = a.seq + 1 "
                    "WHERE b.prev_hash <> a.hash"),
        0);
    expectChainVerifies(*server_);
    auto verified = second_->cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;
}

TEST_P(NginxScaleOutTest, AuditAndRateLimitsUseTheAddressNginxSawNotAForgedForwardedFor)
{
    const std::map<std::string, std::string> forged { { "Origin", "https://evil.example" },
        { "X-Forwarded-For", "203.0.113.9" } };
    const std::map<std::string, std::string> forgedList { { "Origin", server_->origin() },
        { "X-Forwarded-For", "203.0.113.9, 198.51.100.7" } };
    const std::string start = R"({"type":"query-serial"})";
    // Refused before the core (foreign Origin) and audited by whichever instance nginx chose:
    // twice, so once by each.
    for (int i = 0; i < 2; ++i)
        EXPECT_TRUE(refused(
            httpRequest("POST", nginxUrl_ + "/api/v1/flows", start, forged), 403, "CSRF_INVALID"));
    EXPECT_EQ(count("FROM audit_events WHERE action = 'http.POST /api/v1/flows'"), 2);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'http.POST /api/v1/flows' "
                    "AND actor = 'client:127.0.0.1'"),
        2)
        << sql("SELECT MIN(actor) FROM audit_events WHERE action = 'http.POST /api/v1/flows'");
    // Flows started through nginx (each instance once) and on an instance directly, every one
    // with a forged header: one rate-limit count, the client's address.
    for (const auto& base : { nginxUrl_, nginxUrl_, server_->url(), second_->url() })
        require(httpRequest("POST", base + "/api/v1/flows", start, forgedList), 201, "start");
    EXPECT_EQ(
        sql("SELECT CAST(SUM(hits) AS BIGINT) FROM rate_limits WHERE key = 'flows:127.0.0.1'"),
        "4");
    EXPECT_EQ(count("FROM rate_limits WHERE key LIKE '%203.0.113.%' OR key LIKE '%198.51.100.%' "
                    "OR key LIKE '%127.0.0.3%'"),
        0)
        << sql("SELECT string_agg(key, ' ') FROM rate_limits");
    EXPECT_EQ(
        count("FROM audit_events WHERE actor LIKE '%203.0.113.%' OR actor LIKE '%127.0.0.3%'"), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Postgresql, NginxScaleOutTest, ::testing::Values(Backend::Postgresql), ServerBackendName {});
INSTANTIATE_TEST_SUITE_P(
    Postgresql, NginxFailoverTest, ::testing::Values(Backend::Postgresql), ServerBackendName {});

/// Two instances started at the same moment on an empty database: the migrator's lock
/// (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE) lets one apply the migrations and
/// the other find them applied; neither fails on a table the other just made.
class ScaleOutMigrationTest : public ::testing::TestWithParam<Backend> { };

TEST_P(ScaleOutMigrationTest, TwoInstancesStartedAtOnceOnAFreshSchemaMigrateItOnce)
{
    ScratchDatabase fresh(GetParam());
    ServerInstance::Options options;
    options.demoData = false; // no `certgate migrate` before: `serve` migrates at start
    ServerInstance a(fresh, options);
    ServerInstance b(fresh, options);
    std::atomic<int> ready = 0;
    std::string failures;
    std::mutex failuresMutex;
    auto startAtOnce = [&](ServerInstance& server) {
        ++ready;
        while (ready.load() < 2)
            std::this_thread::yield();
        try {
            server.start();
        } catch (const std::exception& e) {
            std::lock_guard lock(failuresMutex);
            failures += std::string(e.what()) + "\n" + server.output();
        }
    };
    std::thread first([&] { startAtOnce(a); });
    std::thread second([&] { startAtOnce(b); });
    first.join();
    second.join();
    ASSERT_EQ(failures, "");

    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(sourceDir() + "/sql"))
        files += entry.path().extension() == ".sql" ? 1 : 0;
    EXPECT_EQ(fresh.scalar("SELECT COUNT(*) FROM schema_migrations"), std::to_string(files));
    EXPECT_EQ(fresh.scalar("SELECT COUNT(DISTINCT version) FROM schema_migrations"),
        std::to_string(files));
    const std::string applied = "migration(s) applied";
    EXPECT_NE(contains(a.output(), applied), contains(b.output(), applied))
        << "exactly one applied them:\n"
        << a.output() << "\n---\n"
        << b.output();
    for (auto* server : { &a, &b })
        EXPECT_TRUE(answered(httpRequest("GET", server->url() + "/api/v1/health")));
}

CERTGATE_SERVER_ON_BOTH_BACKENDS(ScaleOutMigrationTest);

} // namespace
} // namespace certgate::test
