// A database outage answered as an outage (issue 14 item 1): `certgate serve` on a PostgreSQL
// cluster of its own (started here on its own port and folder, so no other test notices), a
// bounded load of flow starts, terms and receipt queries, the cluster stopped in the middle and
// started again. No 500 ever; during the outage 503 DATABASE_UNAVAILABLE with Retry-After;
// the service back within seconds without a restart; every write answered 2xx still there; a
// registration in progress before the outage confirms after it, once; the audit chain verifies;
// the log names the database once per outage.
#include "PortalTestSupport.hpp"

#include <certgate/test/PostgresqlCluster.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace certgate::test {
namespace {

using Clock = std::chrono::steady_clock;

/// The cluster the outage happens to, no other test's.
class OwnCluster : public PostgresqlCluster {
protected:
    OwnCluster()
        : PostgresqlCluster({ "certgate-pg-outage", {}, nullptr, {} })
    {
    }
};

struct Answer {
    std::string what;
    Clock::time_point sent;
    int status = 0; ///< 0: no answer (connection failed)
    std::string code;
    std::string retryAfter;
};

struct Acknowledged {
    FlowClient flow;
    std::string step; ///< the step the flow was at when the server acknowledged the write
};

// The cluster comes first: the portal fixture makes its schema in it.
class DatabaseOutageTest : protected OwnCluster, public PortalTest {
protected:
    DatabaseOutageTest()
        : PortalTest(url())
    {
    }

    void configure(Json& config) override
    {
        setConfigValue(config, "portal", "receiptQueriesPerMinute", 1000000);
    }

    void record(const std::string& what, Clock::time_point sent, const HttpResponse& response)
    {
        std::lock_guard lock(mutex_);
        answers_.push_back(
            { what, sent, response.status, errorCode(response), response.header("retry-after") });
    }

    // One round of a browser: start a flow, accept the terms, look at receipts. A flow is
    // kept with the step of the last write the server acknowledged.
    void browse()
    {
        auto flow = client();
        auto sent = Clock::now();
        auto started = flow.start("first-registration");
        record("start", sent, started);
        if (started.status == 201) {
            auto step = flow.step();
            sent = Clock::now();
            auto terms = flow.acceptTerms();
            record("terms", sent, terms);
            if (terms.status == 200)
                step = flow.step();
            std::lock_guard lock(mutex_);
            acknowledged_.push_back({ flow, step });
        }
        sent = Clock::now();
        record("receipts", sent,
            httpRequest("GET", server().url() + "/api/v1/receipts?agencyCode=A0001"));
    }

    std::mutex mutex_;
    std::vector<Answer> answers_;
    std::vector<Acknowledged> acknowledged_;
};

std::size_t occurrences(const std::string& text, const std::string& needle)
{
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

TEST_P(DatabaseOutageTest, PostgresqlStoppedMidLoadIsAnsweredAsAnOutageAndTheServiceComesBack)
{
    const auto began = Clock::now();
    // A registration in progress before the outage.
    auto registration = startFlow("first-registration");
    require(registration.acceptTerms(), 200, "terms");
    require(registration.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(
        registration.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager card");

    std::atomic<bool> stop = false;
    std::vector<std::thread> browsers;
    for (int i = 0; i < 4; ++i)
        browsers.emplace_back([&] {
            while (!stop) {
                try {
                    browse();
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex_);
                    answers_.push_back(
                        { std::string("no answer: ") + e.what(), Clock::now(), 0, {}, {} });
                }
            }
        });

    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    control("stop");
    const auto stopped = Clock::now();
    auto confirmDuringOutage = registration.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000");
    auto health = httpRequest("GET", server().url() + "/api/v1/health");
    auto page = httpRequest("GET", server().url() + "/index.html");
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    control("start");
    const auto back = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(4000));
    stop = true;
    for (auto& browser : browsers)
        browser.join();

    EXPECT_TRUE(refused(confirmDuringOutage, 503, "DATABASE_UNAVAILABLE"));
    EXPECT_EQ(confirmDuringOutage.header("retry-after"), "5");
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_EQ(page.status, 200) << "static pages still load";

    int unavailable = 0;
    int afterStop = 0;
    std::optional<Clock::time_point> firstSuccessAfterBack;
    for (const auto& answer : answers_) {
        const bool success = answer.status == 200 || answer.status == 201;
        if (!success) {
            EXPECT_EQ(answer.status, 503) << answer.what << " " << answer.code;
            EXPECT_EQ(answer.code, "DATABASE_UNAVAILABLE") << answer.what;
            EXPECT_EQ(answer.retryAfter, "5") << answer.what;
            ++unavailable;
        }
        if (answer.sent > stopped && answer.sent < back)
            ++afterStop;
        if (success && answer.sent > back
            && (!firstSuccessAfterBack || answer.sent < *firstSuccessAfterBack))
            firstSuccessAfterBack = answer.sent;
        if (answer.sent > back + std::chrono::seconds(2)) {
            EXPECT_TRUE(success) << answer.what << " " << answer.status << " " << answer.code
                                 << ": two seconds after the database is back";
        }
    }
    EXPECT_GT(afterStop, 0) << "the load went on during the outage";
    EXPECT_GT(unavailable, 0) << "the outage was seen";
    ASSERT_TRUE(firstSuccessAfterBack) << "the service came back without a restart";
    EXPECT_LT(*firstSuccessAfterBack - back, std::chrono::seconds(2));

    // Every write the server acknowledged is there.
    EXPECT_GT(acknowledged_.size(), 10u);
    for (const auto& [flow, step] : acknowledged_) {
        auto again = client();
        again.setSessionCookie(flow.sessionCookie());
        auto answer = again.request("GET", flow.flowId(), "", false);
        ASSERT_EQ(answer.status, 200) << flow.flowId() << " " << answer.body;
        EXPECT_EQ(again.step(), step) << flow.flowId();
    }

    // The registration in progress goes on, once; nothing half-written by the refused confirm.
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 0);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 0);
    auto confirmed = registration.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000");
    ASSERT_TRUE(answered(confirmed));
    EXPECT_EQ(registration.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 1);
    auto verified = server().cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;

    // The log names the database and the reason once, and says when it is back.
    const auto log = server().output();
    const auto database = "database postgresql host=127.0.0.1 port=" + port();
    EXPECT_EQ(occurrences(log, database + " dbname=certgate_test unavailable"), 1u) << log;
    EXPECT_EQ(occurrences(log, database + " dbname=certgate_test available again"), 1u) << log;
    EXPECT_EQ(log.find("certgate-test"), std::string::npos) << "no password in the log";
    EXPECT_EQ(log.find("INTERNAL_ERROR"), std::string::npos) << log;
    EXPECT_LT(Clock::now() - began, std::chrono::seconds(45));
}

INSTANTIATE_TEST_SUITE_P(PostgresqlOwnCluster, DatabaseOutageTest,
    ::testing::Values(Backend::Postgresql), ServerBackendName {});

} // namespace
} // namespace certgate::test
