#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

class RateLimitRepositoryTest : public StorageTest { };

TEST_P(RateLimitRepositoryTest, RateLimitCountsHitsPerKeyAndWindow)
{
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 1);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 2);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 3);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.8", T0), 1);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0 + 60), 1);
}

CERTGATE_ON_ALL_BACKENDS(RateLimitRepositoryTest);

} // namespace
} // namespace certgate::db::test
