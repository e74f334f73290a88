#include "DatabaseFixture.hpp"
#include "Samples.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace certgate::db::test {
namespace {

using core::NonceOutcome;

/// Starts `threads` threads that wait at a common gate, then run `body(index)` together.
void race(int threads, const std::function<void(int)>& body)
{
    std::mutex mutex;
    std::condition_variable opened;
    int waiting = 0;
    bool open = false;
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) {
        pool.emplace_back([&, i] {
            {
                std::unique_lock lock(mutex);
                ++waiting;
                if (waiting == threads) {
                    open = true;
                    opened.notify_all();
                }
                opened.wait(lock, [&] { return open; });
            }
            body(i);
        });
    }
    for (auto& thread : pool)
        thread.join();
}

class SociStorageConcurrencyTest : public DatabaseTest {
protected:
    static constexpr int threads = 16;

    void SetUp() override
    {
        migrate();
        // One connection per thread, so the race happens in the database.
        storage_ = std::make_unique<SociStorage>(config(threads));
    }

    std::unique_ptr<SociStorage> storage_;
};

TEST_P(SociStorageConcurrencyTest, SixteenThreadsRaceForOneNonceAndExactlyOneWins)
{
    storage_->insertFlow(flow("f-1"));
    for (int round = 0; round < 5; ++round) {
        const auto value = "nonce-" + std::to_string(round);
        storage_->insertNonce(nonce(value, "f-1"));
        std::atomic<int> consumed { 0 };
        std::atomic<int> replayed { 0 };
        std::atomic<int> other { 0 };
        race(threads, [&](int) {
            try {
                switch (storage_->consumeNonce(value, "f-1", "organisation-card", T0 + 1)) {
                case NonceOutcome::Consumed:
                    ++consumed;
                    break;
                case NonceOutcome::Replayed:
                    ++replayed;
                    break;
                default:
                    ++other;
                }
            } catch (const std::exception& e) {
                ++other;
                ADD_FAILURE() << e.what();
            }
        });
        EXPECT_EQ(consumed.load(), 1) << "round " << round;
        EXPECT_EQ(replayed.load(), threads - 1) << "round " << round;
        EXPECT_EQ(other.load(), 0) << "round " << round;
    }
}

TEST_P(SociStorageConcurrencyTest, CountersNeverHandOutAValueTwice)
{
    constexpr int perThread = 25;
    std::mutex mutex;
    std::vector<std::int64_t> values;
    race(threads, [&](int) {
        for (int i = 0; i < perThread; ++i) {
            const auto value = storage_->nextCounter("receipt:20251127");
            std::lock_guard lock(mutex);
            values.push_back(value);
        }
    });
    std::sort(values.begin(), values.end());
    ASSERT_EQ(values.size(), static_cast<std::size_t>(threads * perThread));
    for (std::size_t i = 0; i < values.size(); ++i)
        ASSERT_EQ(values[i], static_cast<std::int64_t>(i) + 1);
}

TEST_P(SociStorageConcurrencyTest, RateLimitHitsAreAllCounted)
{
    constexpr int perThread = 10;
    std::atomic<std::int64_t> highest { 0 };
    race(threads, [&](int) {
        for (int i = 0; i < perThread; ++i) {
            const auto count = storage_->hitRateLimit("query:198.51.100.1", T0);
            auto seen = highest.load();
            while (count > seen && !highest.compare_exchange_weak(seen, count)) { }
        }
    });
    EXPECT_EQ(highest.load(), threads * perThread);
    EXPECT_EQ(storage_->hitRateLimit("query:198.51.100.1", T0), threads * perThread + 1);
}

TEST_P(SociStorageConcurrencyTest, OnlyOneOfConcurrentFlowUpdatesWins)
{
    storage_->insertFlow(flow("f-1"));
    std::atomic<int> won { 0 };
    race(threads, [&](int index) {
        auto next = flow("f-1");
        next.step = "step-of-" + std::to_string(index);
        next.version = 2;
        if (storage_->updateFlow(next))
            ++won;
    });
    EXPECT_EQ(won.load(), 1);
    const auto stored = storage_->findFlow("f-1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->version, 2);
}

TEST_P(SociStorageConcurrencyTest, ConcurrentAuditAppendersRetryIntoOneGaplessSequence)
{
    constexpr int perThread = 5;
    race(threads, [&](int index) {
        for (int i = 0; i < perThread; ++i) {
            for (int attempt = 0;; ++attempt) {
                ASSERT_LT(attempt, 1000) << "no progress";
                const auto last = storage_->lastAuditEvent();
                auto event = auditEvent(last ? last->seq + 1 : 1);
                event.actor = "thread:" + std::to_string(index);
                try {
                    storage_->insertAuditEvent(event);
                    break;
                } catch (const core::Error& e) {
                    ASSERT_EQ(e.detail(), "audit seq conflict");
                }
            }
        }
    });
    const auto events = storage_->listAuditEvents(1, 1000);
    ASSERT_EQ(events.size(), static_cast<std::size_t>(threads * perThread));
    for (std::size_t i = 0; i < events.size(); ++i)
        ASSERT_EQ(events[i].seq, static_cast<std::int64_t>(i) + 1);
}

TEST_P(SociStorageConcurrencyTest, ConcurrentTransactionsDoNotLoseWrites)
{
    // Read-modify-write in a transaction: BEGIN IMMEDIATE on SQLite serialises them; on
    // PostgreSQL the counter upsert is atomic inside each transaction.
    storage_->upsertAgency(agency("A0001"));
    race(threads, [&](int index) {
        storage_->transaction([&](core::Storage& tx) {
            const auto number = tx.nextCounter("receipt:tx");
            tx.insertReceipt({ "r-" + std::to_string(index), "R" + std::to_string(number), "A0001",
                core::ReceiptKind::FirstRegistration, core::ReceiptStatus::Done, T0 + number, "" });
        });
    });
    const auto receipts = storage_->listReceipts("A0001");
    ASSERT_EQ(receipts.size(), static_cast<std::size_t>(threads));
    std::set<std::string> numbers;
    for (const auto& r : receipts)
        numbers.insert(r.number);
    EXPECT_EQ(numbers.size(), static_cast<std::size_t>(threads));
    EXPECT_EQ(storage_->nextCounter("receipt:tx"), threads + 1);
}

TEST_P(SociStorageConcurrencyTest, TwoInstancesOnOneDatabaseSeeEachOthersWrites)
{
    // SPEC §9: any instance may serve the next request of a flow.
    SociStorage first(config(2));
    SociStorage second(config(2));

    first.insertFlow(flow("f-1"));
    first.insertNonce(nonce("n-1", "f-1"));
    const auto seen = second.findFlow("f-1");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->csrfToken, "csrf-f-1");

    EXPECT_EQ(
        second.consumeNonce("n-1", "f-1", "organisation-card", T0 + 1), NonceOutcome::Consumed);
    EXPECT_EQ(
        first.consumeNonce("n-1", "f-1", "organisation-card", T0 + 2), NonceOutcome::Replayed);

    auto next = *seen;
    next.version = 2;
    EXPECT_TRUE(second.updateFlow(next));
    EXPECT_FALSE(first.updateFlow(next)) << "first must see the version second wrote";

    first.upsertAgency(agency("A0001"));
    second.transaction([](core::Storage& tx) { tx.insertOperator(op("o-1", "A0001", "0001")); });
    try {
        first.insertOperator(op("o-2", "A0001", "0001"));
        FAIL() << "duplicate accepted across instances";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::DuplicateOperator);
    }
    EXPECT_EQ(first.nextCounter("c"), 1);
    EXPECT_EQ(second.nextCounter("c"), 2);
}

CERTGATE_ON_ALL_BACKENDS(SociStorageConcurrencyTest);

} // namespace
} // namespace certgate::db::test
