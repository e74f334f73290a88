// Failover on PostgreSQL's own replication (issue 18 item 2): a primary and its synchronous
// streaming replica (two real clusters on 127.0.0.1, each on a folder and port of its own),
// `certgate serve` on a libpq multi-host connection string (target_session_attrs=read-write).
// In the middle of a bounded load of registrations' replacements (each acknowledged confirm a
// receipt) and flow starts, the primary is stopped at once (or turned read-only while it keeps
// running) and the replica promoted: no 500
// (503 DATABASE_UNAVAILABLE while no primary answers), the service back on the new primary
// without a restart, every receipt and flow the server acknowledged on the promoted server,
// and the audit chain verifies there.
#include "PortalTestSupport.hpp"

#include <certgate/test/PostgresqlCluster.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

namespace certgate::test {
namespace {

using Clock = std::chrono::steady_clock;

/// The primary, whose commits wait for the replica, and the replica streaming from it; the
/// replica's own commits wait for nobody (after its promotion no standby is left).
class ReplicatedClusters {
protected:
    ReplicatedClusters()
        : primary_({ "certgate-pg-failover-primary", "certgate_replica", nullptr, {} })
        , replica_({ "certgate-pg-failover-replica", {}, &primary_, "certgate_replica" })
    {
    }
    /// Both servers, the writable one first-found: what certgate is configured with.
    std::string multiHostUrl() const
    {
        return "host=127.0.0.1,127.0.0.1 port=" + primary_.port() + "," + replica_.port()
            + " dbname=certgate_test user=certgate password=certgate-test "
              "target_session_attrs=read-write";
    }

    PostgresqlCluster primary_;
    PostgresqlCluster replica_;
};

struct Answer {
    std::string what;
    Clock::time_point sent;
    int status = 0; ///< 0: no answer
    std::string code;
};

struct AcknowledgedFlow {
    FlowClient flow;
    std::string step;
};

class FailoverTest : protected ReplicatedClusters, public PortalTest {
protected:
    FailoverTest()
        : PortalTest(multiHostUrl())
    {
    }

    void configure(Json& config) override
    {
        setConfigValue(config, "portal", "receiptQueriesPerMinute", 1000000);
        setConfigValue(config, "database", "connectTimeoutSeconds", 2);
    }

    void record(const std::string& what, Clock::time_point sent, const HttpResponse& response)
    {
        std::lock_guard lock(mutex_);
        answers_.push_back({ what, sent, response.status, errorCode(response) });
    }

    HttpResponse sent(const std::string& what, const std::function<HttpResponse()>& request)
    {
        const auto at = Clock::now();
        auto response = request();
        record(what, at, response);
        return response;
    }

    // One replacement of A0001's manager: the other card than the one of the last receipt
    // (a confirm answered 503 may still have committed, so a refused manager card only means
    // the other card is the registered one now).
    void replaceManager(bool& lin)
    {
        const std::string next = lin ? "moica-lin" : "moica-wang";
        auto flow = client();
        if (sent("replace start", [&] { return flow.start("replace-manager"); }).status != 201
            || sent("replace terms", [&] { return flow.acceptTerms(); }).status != 200
            || sent("replace org card", [&] { return flow.organisationCard("A0001", "gca-moi"); })
                    .status
                != 200)
            return;
        const auto manager = flow.managerCard(card(next).nationalId, next);
        if (manager.status != 200) {
            if (manager.status >= 500)
                record("replace manager card", Clock::now(), manager);
            lin = !lin;
            return;
        }
        const auto done = sent("replace confirm",
            [&] { return flow.confirm(card(next).personName, "m@moi.gov.tw", "02-2356-5000"); });
        if (done.status == 200) {
            std::lock_guard lock(mutex_);
            receipts_.push_back(text(object(object(body(done), "flow"), "receipt"), "number"));
        }
        lin = !lin;
    }

    void browse()
    {
        auto flow = client();
        if (sent("start", [&] { return flow.start("first-registration"); }).status != 201)
            return;
        auto step = flow.step();
        if (sent("terms", [&] { return flow.acceptTerms(); }).status == 200)
            step = flow.step();
        std::lock_guard lock(mutex_);
        flows_.push_back({ flow, step });
    }

    /// `count(*) <fromWhere>` on the promoted server itself, in this test's schema.
    long long countOnReplica(const std::string& fromWhere) const
    {
        soci::session session(*soci::factory_postgresql(),
            replica_.url() + " options='-c search_path=" + database().schema() + "'");
        long long n = 0;
        session << "SELECT COUNT(*) " + fromWhere, soci::into(n);
        return n;
    }

    void failOverUnderLoad(const std::function<void()>& cutPrimary);

    std::mutex mutex_;
    std::vector<Answer> answers_;
    std::vector<std::string> receipts_;
    std::vector<AcknowledgedFlow> flows_;
};

/// The bounded load, `cutPrimary` two seconds into it and the replica promoted a second later,
/// then every check of the header above.
void FailoverTest::failOverUnderLoad(const std::function<void()>& cutPrimary)
{
    const auto began = Clock::now();
    ASSERT_EQ(primary_.superuserSql("SELECT sync_state FROM pg_stat_replication WHERE "
                                    "application_name = 'certgate_replica'"),
        "sync")
        << "the replica is the primary's synchronous standby";
    registerAgency("A0001", "gca-moi", "moica-wang");

    std::atomic<bool> stop = false;
    std::vector<std::thread> load;
    auto guarded = [&](const std::function<void()>& round) {
        return [&, round] {
            while (!stop) {
                try {
                    round();
                } catch (const ChallengeRefused& e) {
                    // A card step's challenge answered (503 during the switch): an answer.
                    record("challenge", Clock::now(), e.response);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex_);
                    answers_.push_back(
                        { std::string("no answer: ") + e.what(), Clock::now(), 0, {} });
                }
            }
        };
    };
    bool lin = true;
    load.emplace_back(guarded([&] { replaceManager(lin); }));
    for (int i = 0; i < 3; ++i)
        load.emplace_back(guarded([&] { browse(); }));

    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    cutPrimary();
    const auto crashed = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    replica_.control("promote");
    const auto promoted = Clock::now();
    // Bounded: until receipts are written on the new primary for three seconds (at most 20 s).
    std::size_t receiptsAtPromotion = 0;
    {
        std::lock_guard lock(mutex_);
        receiptsAtPromotion = receipts_.size();
    }
    std::optional<Clock::time_point> firstReceiptAfter;
    while (Clock::now() < promoted + std::chrono::seconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::lock_guard lock(mutex_);
        if (!firstReceiptAfter && receipts_.size() > receiptsAtPromotion)
            firstReceiptAfter = Clock::now();
        if (firstReceiptAfter && Clock::now() > *firstReceiptAfter + std::chrono::seconds(3))
            break;
    }
    stop = true;
    for (auto& thread : load)
        thread.join();

    ASSERT_TRUE(firstReceiptAfter) << "receipts are written again on the promoted replica";
    EXPECT_GT(receiptsAtPromotion, 0u) << "receipts were written before the failover";
    int unavailable = 0;
    std::optional<Clock::time_point> firstSuccessAfter;
    for (const auto& answer : answers_) {
        const bool success = answer.status >= 200 && answer.status < 300;
        if (!success) {
            EXPECT_EQ(answer.status, 503) << answer.what << " " << answer.code;
            EXPECT_EQ(answer.code, "DATABASE_UNAVAILABLE") << answer.what;
            ++unavailable;
        }
        if (success && answer.sent > promoted
            && (!firstSuccessAfter || answer.sent < *firstSuccessAfter))
            firstSuccessAfter = answer.sent;
    }
    EXPECT_GT(unavailable, 0) << "the failover was seen";
    ASSERT_TRUE(firstSuccessAfter);
    EXPECT_LT(*firstSuccessAfter - promoted, std::chrono::seconds(5))
        << "the service is back on the new primary within seconds, without a restart";
    EXPECT_LT(crashed, promoted);

    // Every receipt and flow step the server acknowledged is on the promoted server.
    for (const auto& number : receipts_)
        EXPECT_EQ(countOnReplica("FROM receipts WHERE number = '" + number + "'"), 1) << number;
    // A confirm whose COMMIT reached the standby but whose answer was cut off by the failover
    // is answered 503 and may still be there (the README's caveat): at most one per such answer.
    const auto cutOff = std::count_if(answers_.begin(), answers_.end(),
        [](const Answer& a) { return a.what == "replace confirm" && a.status != 200; });
    const auto stored = countOnReplica("FROM receipts WHERE agency_code = 'A0001'");
    const auto acknowledged = static_cast<long long>(receipts_.size()) + 1;
    EXPECT_GE(stored, acknowledged) << "every acknowledged receipt and the first registration's";
    EXPECT_LE(stored, acknowledged + cutOff)
        << "nothing but those and at most the confirms cut off before their answer";
    EXPECT_GT(flows_.size(), 10u);
    for (const auto& [flow, step] : flows_) {
        auto again = client();
        again.setSessionCookie(flow.sessionCookie());
        auto answer = again.request("GET", flow.flowId(), "", false);
        ASSERT_EQ(answer.status, 200) << flow.flowId() << " " << answer.body;
        EXPECT_EQ(again.step(), step) << flow.flowId();
    }
    auto verified = server().cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;
    EXPECT_EQ(
        countOnReplica("FROM audit_events"), std::stoll(sql("SELECT COUNT(*) FROM audit_events")))
        << "certgate's connections are on the promoted server";
    const auto log = server().output();
    EXPECT_EQ(log.find("INTERNAL_ERROR"), std::string::npos) << log;
    EXPECT_LT(Clock::now() - began, std::chrono::seconds(90));
}

TEST_P(FailoverTest, PrimaryStoppedAndReplicaPromotedMidLoadLosesNoAcknowledgedWrite)
{
    failOverUnderLoad([&] { primary_.control("crash"); });
}

// The old primary keeps running but turns read-only (as a demoted primary or a fenced one
// does): certgate's open connections stay up and their writes fail with SQLSTATE 25006, so they
// must be answered as an outage and reopened, where libpq's target_session_attrs=read-write
// then finds the promoted replica.
TEST_P(FailoverTest, PrimaryTurnedReadOnlyWhileRunningAndReplicaPromotedLosesNoAcknowledgedWrite)
{
    failOverUnderLoad([&] {
        primary_.superuserSql("ALTER SYSTEM SET default_transaction_read_only = on");
        primary_.superuserSql("SELECT pg_reload_conf()");
    });
    EXPECT_EQ(primary_.superuserSql("SHOW default_transaction_read_only"), "on")
        << "the old primary stayed up, read-only, throughout";
}

INSTANTIATE_TEST_SUITE_P(PostgresqlReplicated, FailoverTest, ::testing::Values(Backend::Postgresql),
    ServerBackendName {});

} // namespace
} // namespace certgate::test
