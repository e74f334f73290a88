#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <certgate/core/Error.hpp>

#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using core::ErrorCode;

class AuditRepositoryTest : public StorageTest { };

TEST_P(AuditRepositoryTest, AuditEventsRoundTripInSeqOrder)
{
    EXPECT_FALSE(storage_->lastAuditEvent());
    for (std::int64_t seq = 1; seq <= 5; ++seq)
        storage_->insertAuditEvent(auditEvent(seq));

    const auto last = storage_->lastAuditEvent();
    ASSERT_TRUE(last);
    EXPECT_EQ(fields(*last), fields(auditEvent(5)));
    const auto fromTwo = storage_->listAuditEvents(2, 3);
    ASSERT_EQ(fromTwo.size(), 3u);
    for (std::size_t i = 0; i < fromTwo.size(); ++i)
        EXPECT_EQ(fields(fromTwo[i]), fields(auditEvent(static_cast<std::int64_t>(i) + 2)));
    const auto newest = storage_->listAuditEventsNewestFirst(2, 1);
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest[0].seq, 4);
    EXPECT_EQ(newest[1].seq, 3);
}

TEST_P(AuditRepositoryTest, ADuplicateAuditSeqIsAConflictTheAppenderCanRetry)
{
    storage_->insertAuditEvent(auditEvent(1));
    auto clash = auditEvent(1);
    clash.action = "other";
    try {
        storage_->insertAuditEvent(clash);
        FAIL() << "duplicate seq accepted";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
        EXPECT_EQ(e.detail(), "audit seq conflict");
    }
    const auto stored = storage_->listAuditEvents(1, 10);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].action, "registration.confirm");
}

CERTGATE_ON_ALL_BACKENDS(AuditRepositoryTest);

} // namespace
} // namespace certgate::db::test
