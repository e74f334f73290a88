#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using core::NonceOutcome;

class FlowRepositoryTest : public StorageTest { };

TEST_P(FlowRepositoryTest, FlowsRoundTripAndUpdateOnlyFromTheVersionBefore)
{
    const auto original = flow("f-1");
    storage_->insertFlow(original);
    const auto found = storage_->findFlow("f-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(original));

    auto next = original;
    next.step = "manager-card";
    next.state.of<core::RegistrationChangeState>().approvedReviewId = "review-2";
    next.expiresAt = T0 + 3600;
    next.version = 2;
    EXPECT_TRUE(storage_->updateFlow(next));

    auto stale = original;
    stale.step = "stale";
    stale.version = 2; // also read version 1: lost the race
    EXPECT_FALSE(storage_->updateFlow(stale));
    auto skipping = next;
    skipping.version = 4;
    EXPECT_FALSE(storage_->updateFlow(skipping));

    const auto stored = storage_->findFlow("f-1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(fields(*stored), fields(next));
    EXPECT_FALSE(storage_->findFlow("f-2"));
    auto missing = flow("f-2");
    missing.version = 2;
    EXPECT_FALSE(storage_->updateFlow(missing));
}

TEST_P(FlowRepositoryTest, ANonceIsConsumedOnceAndThenReportedAsReplayed)
{
    storage_->insertFlow(flow("f-1"));
    storage_->insertNonce(nonce("bm9uY2UtMQ==", "f-1"));

    EXPECT_EQ(storage_->consumeNonce("bm9uY2UtMQ==", "f-1", "organisation-card", T0 + 10),
        NonceOutcome::Consumed);
    EXPECT_EQ(storage_->consumeNonce("bm9uY2UtMQ==", "f-1", "organisation-card", T0 + 11),
        NonceOutcome::Replayed);
}

TEST_P(FlowRepositoryTest, ANonceOfAnotherFlowOrPurposeIsUnknown)
{
    storage_->insertFlow(flow("f-1"));
    storage_->insertFlow(flow("f-2"));
    storage_->insertNonce(nonce("n-1", "f-1", "organisation-card"));

    EXPECT_EQ(
        storage_->consumeNonce("n-1", "f-2", "organisation-card", T0 + 10), NonceOutcome::Unknown);
    EXPECT_EQ(storage_->consumeNonce("n-1", "f-1", "manager-card", T0 + 10), NonceOutcome::Unknown);
    EXPECT_EQ(storage_->consumeNonce("never-issued", "f-1", "organisation-card", T0 + 10),
        NonceOutcome::Unknown);
    EXPECT_EQ(
        storage_->consumeNonce("n-1", "f-1", "organisation-card", T0 + 10), NonceOutcome::Consumed)
        << "the wrong attempts did not use it up";
}

TEST_P(FlowRepositoryTest, ANonceAtOrPastItsExpiryIsExpired)
{
    storage_->insertFlow(flow("f-1"));
    storage_->insertNonce(nonce("n-1", "f-1", "organisation-card", T0 + 300));
    storage_->insertNonce(nonce("n-2", "f-1", "organisation-card", T0 + 300));

    EXPECT_EQ(
        storage_->consumeNonce("n-1", "f-1", "organisation-card", T0 + 300), NonceOutcome::Expired);
    EXPECT_EQ(storage_->consumeNonce("n-1", "f-1", "organisation-card", T0 + 299),
        NonceOutcome::Consumed);
    EXPECT_EQ(storage_->consumeNonce("n-2", "f-1", "organisation-card", T0 + 5000),
        NonceOutcome::Expired);
}

TEST_P(FlowRepositoryTest, PurgeDeletesOnlyWhatExpiredBeforeTheGivenTime)
{
    auto oldFlow = flow("f-old");
    oldFlow.expiresAt = T0 + 100;
    storage_->insertFlow(oldFlow);
    storage_->insertFlow(flow("f-live")); // expires T0 + 1800
    storage_->insertNonce(nonce("n-of-old-flow", "f-old", "p", T0 + 5000));
    storage_->insertNonce(nonce("n-old", "f-live", "p", T0 + 100));
    storage_->insertNonce(nonce("n-live", "f-live", "p", T0 + 1000));
    storage_->insertStaff(staff("s-1", "01"));
    storage_->insertStaffSession({ "h-old", "s-1", "c", T0, T0 + 100 });
    storage_->insertStaffSession({ "h-live", "s-1", "c", T0, T0 + 1000 });
    storage_->hitRateLimit("receipts:192.0.2.1", T0 + 60);
    storage_->hitRateLimit("receipts:192.0.2.1", T0 + 600);

    auto purged = storage_->purgeExpired(T0 + 500);

    // What went, for the retention audit entry (the old flow's nonce goes with it, uncounted).
    EXPECT_EQ(purged.flows, 1);
    EXPECT_EQ(purged.nonces, 1);
    EXPECT_EQ(purged.staffSessions, 1);
    EXPECT_EQ(purged.rateLimitWindows, 1);
    EXPECT_EQ(purged.total(), 4);
    EXPECT_FALSE(storage_->findFlow("f-old"));
    EXPECT_TRUE(storage_->findFlow("f-live"));
    EXPECT_FALSE(storage_->findStaffSession("h-old"));
    EXPECT_TRUE(storage_->findStaffSession("h-live"));
    EXPECT_EQ(
        storage_->consumeNonce("n-of-old-flow", "f-old", "p", T0 + 600), NonceOutcome::Unknown)
        << "went with its flow";
    EXPECT_EQ(storage_->consumeNonce("n-old", "f-live", "p", T0 + 50), NonceOutcome::Unknown);
    EXPECT_EQ(storage_->consumeNonce("n-live", "f-live", "p", T0 + 600), NonceOutcome::Consumed);
    // The old window is gone (a hit there starts from one again), the current one stays.
    EXPECT_EQ(storage_->hitRateLimit("receipts:192.0.2.1", T0 + 60), 1);
    EXPECT_EQ(storage_->hitRateLimit("receipts:192.0.2.1", T0 + 600), 2);
}

CERTGATE_ON_ALL_BACKENDS(FlowRepositoryTest);

} // namespace
} // namespace certgate::db::test
