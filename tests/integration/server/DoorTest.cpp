// The server's door (issue 12): idle, keep-alive and trickling connections by the thousand
// must not stop a card login or the health check, and what the server refuses or cuts is
// counted and logged. Real `certgate serve` over HTTPS on 127.0.0.1, real sockets, bounded.

#include "PortalTestSupport.hpp"

#include <certgate/test/SocketProbes.hpp>

#include <algorithm>
#include <regex>
#include <thread>

namespace certgate::test {
namespace {

using namespace std::chrono_literals;

class DoorTest : public PortalTest {
protected:
    void SetUp() override
    {
        prepareForProbes();
        PortalTest::SetUp();
    }

    /// An HTTPS server with these server.connections settings.
    std::unique_ptr<ServerInstance> door(std::map<std::string, int> connections = {})
    {
        auto o = options();
        o.tls = true;
        auto server = std::make_unique<ServerInstance>(database_, o);
        editConfig(*server, [&](Json& config) {
            Json limits = new Poco::JSON::Object;
            for (const auto& [key, value] : connections)
                limits->set(key, value);
            config->getObject("server")->set("connections", limits);
        });
        server->start();
        return server;
    }

    static std::uint16_t portOf(const ServerInstance& server)
    {
        return static_cast<std::uint16_t>(
            std::stoi(server.url().substr(server.url().rfind(':') + 1)));
    }

    /// A whole card login (query-serial flow: nonce, signed token, citizen step); its time.
    long long login(const ServerInstance& server)
    {
        return millisecondsOf([&] {
            auto flow = client(server);
            require(flow.start("query-serial"), 201, "start a flow");
            const auto& wang = card("moica-wang");
            require(flow.citizenCard(wang.nationalId, "moica-wang"), 200, "citizen card step");
        });
    }

    /// The median of five health checks, each on a new connection.
    static long long healthMedian(const ServerInstance& server)
    {
        std::vector<long long> times;
        for (int i = 0; i < 5; ++i)
            times.push_back(millisecondsOf([&] {
                require(httpRequest("GET", server.url() + "/api/v1/health"), 200, "health");
            }));
        std::sort(times.begin(), times.end());
        return times[2];
    }

    static std::vector<std::unique_ptr<RawConnection>> idleSockets(std::uint16_t port, int n)
    {
        std::vector<std::unique_ptr<RawConnection>> sockets;
        for (int i = 0; i < n; ++i)
            sockets.push_back(std::make_unique<RawConnection>(port));
        return sockets;
    }

    static std::vector<std::unique_ptr<IdleTlsConnection>> keepAlives(std::uint16_t port, int n)
    {
        std::vector<std::unique_ptr<IdleTlsConnection>> held;
        for (int i = 0; i < n; ++i)
            held.push_back(std::make_unique<IdleTlsConnection>(
                port, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        return held;
    }
};

/// The sum of one counter over the server's "connections refused or cut" lines.
std::uint64_t loggedCount(const std::string& log, const std::string& counter)
{
    std::uint64_t total = 0;
    std::regex pattern(counter + " ([0-9]+)");
    for (std::sregex_iterator it(log.begin(), log.end(), pattern), end; it != end; ++it)
        total += std::stoull((*it)[1].str());
    return total;
}

/// Waits (at most `wait`) until the server has logged at least `n` of `counter`.
std::uint64_t waitForLogged(
    ServerInstance& server, const std::string& counter, std::uint64_t n, std::chrono::seconds wait)
{
    auto deadline = std::chrono::steady_clock::now() + wait;
    auto seen = loggedCount(server.output(), counter);
    while (seen < n && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
        seen = loggedCount(server.output(), counter);
    }
    return seen;
}

constexpr const char* kHeaderTrickle = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       "User-Agent: one byte a second\r\n\r\n";

/// `n` clients sending their TLS handshake one byte a second, and `n` more (handshake done)
/// sending their request headers so.
struct TrickleCrowd {
    TrickleCrowd(std::uint16_t port, int n)
    {
        std::vector<Trickler::Sender> handshakeSenders, headerSenders;
        for (int i = 0; i < n; ++i) {
            handshakers.push_back(std::make_unique<RawConnection>(port));
            handshakeSenders.push_back(
                [c = handshakers.back().get()](const std::string& b) { return c->send(b); });
            headerTricklers.push_back(std::make_unique<IdleTlsConnection>(port, ""));
            headerSenders.push_back(
                [c = headerTricklers.back().get()](const std::string& b) { return c->write(b); });
        }
        handshakeTrickle = std::make_unique<Trickler>(handshakeSenders, clientHello());
        headerTrickle = std::make_unique<Trickler>(headerSenders, kHeaderTrickle);
    }

    std::vector<std::unique_ptr<RawConnection>> handshakers;
    std::vector<std::unique_ptr<IdleTlsConnection>> headerTricklers;
    std::unique_ptr<Trickler> handshakeTrickle;
    std::unique_ptr<Trickler> headerTrickle;
};

TEST_P(DoorTest, SixteenIdleTcpConnectionsDoNotStopThePortal)
{
    auto server = door();
    auto sockets = idleSockets(portOf(*server), 16);
    EXPECT_LT(healthMedian(*server), 100);
    EXPECT_LT(login(*server), 1000);
}

TEST_P(DoorTest, TwoHundredIdleSocketsAndSixteenKeepAliveBrowsersStallNoOne)
{
    auto server = door();
    auto port = portOf(*server);
    auto sockets = idleSockets(port, 200);
    auto browsers = keepAlives(port, 16);
    for (const auto& browser : browsers)
        ASSERT_EQ(browser->firstStatus(), 200);
    for (int i = 0; i < 3; ++i)
        EXPECT_LT(login(*server), 1000) << "login " << i;
    EXPECT_LT(healthMedian(*server), 100);
    // The idle ones are still open: below the caps nothing needs closing.
    EXPECT_FALSE(browsers.front()->closedByPeer(10ms));
}

// The load: 1,000 idle TCP connections, 1,000 idle TLS keep-alives and 50 clients
// trickling their TLS handshake and 50 their headers, all from 127.0.0.1 — past the default
// per-address cap (256), so the longest idle are closed as newcomers arrive.
TEST_P(DoorTest, AThousandIdleTcpAndAThousandIdleTlsConnectionsWithTricklersLeaveLoginsFast)
{
    auto server = door();
    auto port = portOf(*server);
    auto sockets = idleSockets(port, 1000);
    auto held = keepAlives(port, 1000);
    TrickleCrowd crowd(port, 50);
    for (int i = 0; i < 3; ++i)
        EXPECT_LT(login(*server), 1000) << "login " << i;
    EXPECT_LT(healthMedian(*server), 100);
    // Nothing lost silently: the server says what it closed to make room.
    EXPECT_GE(waitForLogged(*server, "evicted_idle", 1000, 15s), 1000u) << server->output();
}

// With caps high enough, the same 2,000 connections are simply held: an idle connection costs
// a socket, not a thread.
TEST_P(DoorTest, TwoThousandHeldConnectionsCostNoThreads)
{
    // Deadlines long enough that nothing is closed while the test opens them (a socket that
    // sends nothing to a TLS port is in its handshake: 5 s by default).
    auto server = door({ { "max", 5000 }, { "maxPerAddress", 5000 }, { "pressureAt", 5000 },
        { "handshakeMs", 120000 }, { "idleMs", 120000 } });
    auto port = portOf(*server);
    auto sockets = idleSockets(port, 1000);
    auto held = keepAlives(port, 1000);
    for (int i = 0; i < 3; ++i)
        EXPECT_LT(login(*server), 1000) << "login " << i;
    EXPECT_LT(healthMedian(*server), 100);
    EXPECT_FALSE(sockets.front()->closedByPeer(10ms));
    EXPECT_FALSE(held.front()->closedByPeer(10ms));
}

TEST_P(DoorTest, FiftyClientsTricklingTheirHandshakeOrHeadersAreClosedAtTheDeadlines)
{
    auto server
        = door({ { "handshakeMs", 2000 }, { "headerMs", 3000 }, { "logIntervalSeconds", 1 } });
    auto port = portOf(*server);
    TrickleCrowd crowd(port, 50);
    EXPECT_LT(login(*server), 1000);
    // Every trickler is closed by its deadline (2 s / 3 s after its first byte).
    for (auto& c : crowd.handshakers)
        EXPECT_TRUE(c->closedByPeer(4s));
    for (auto& c : crowd.headerTricklers)
        EXPECT_TRUE(c->closedByPeer(4s));
    EXPECT_EQ(waitForLogged(*server, "handshake_timeouts", 50, 5s), 50u) << server->output();
    EXPECT_EQ(waitForLogged(*server, "header_timeouts", 50, 5s), 50u) << server->output();
}

TEST_P(DoorTest, AtTheCapTheLongestIdleIsClosedAndWhenNoneIsIdleANewcomerGets503)
{
    auto server = door({ { "max", 40 }, { "maxPerAddress", 40 }, { "pressureAt", 40 } });
    auto port = portOf(*server);
    auto sockets = idleSockets(port, 40);
    std::this_thread::sleep_for(200ms);
    // A newcomer is served; the connection idle longest made room for it.
    EXPECT_LT(healthMedian(*server), 100);
    EXPECT_TRUE(sockets.front()->closedByPeer(2s));
    // Forty connections busy sending a body: none idle, so the newcomer is refused, clearly.
    sockets.clear();
    std::vector<std::unique_ptr<IdleTlsConnection>> uploads;
    for (int i = 0; i < 40; ++i) {
        uploads.push_back(std::make_unique<IdleTlsConnection>(port, ""));
        ASSERT_TRUE(
            uploads.back()->write("POST /api/v1/flows HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{"));
    }
    std::this_thread::sleep_for(300ms);
    auto refused = httpRequest("GET", server->url() + "/api/v1/health");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(errorCode(refused), "SERVER_BUSY");
    EXPECT_FALSE(refused.header("retry-after").empty());
}

TEST_P(DoorTest, UnderPressureIdleConnectionsGetTheShortTimeout)
{
    auto server = door({ { "pressureAt", 50 }, { "pressureIdleMs", 500 } });
    auto sockets = idleSockets(portOf(*server), 120);
    // Past 50 open connections the idle ones are closed after half a second, oldest first.
    EXPECT_TRUE(sockets.front()->closedByPeer(3s));
    EXPECT_TRUE(sockets[60]->closedByPeer(3s));
    EXPECT_LT(healthMedian(*server), 100);
}

} // namespace

INSTANTIATE_TEST_SUITE_P(
    Sqlite, DoorTest, ::testing::Values(Backend::Sqlite), ServerBackendName {});

} // namespace certgate::test
