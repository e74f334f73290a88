#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using ::testing::ElementsAre;

class ReviewRepositoryTest : public StorageTest { };

TEST_P(ReviewRepositoryTest, ReviewsRoundTripAndAreDecided)
{
    seedAgency();
    const auto pending = review("v-1", "A0001", T0 + 1);
    storage_->insertReview(pending);
    const auto found = storage_->findReview("v-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(pending));
    EXPECT_FALSE(found->decidedAt);
    EXPECT_FALSE(found->effectiveFrom);

    auto decided = pending;
    decided.status = core::ReviewStatus::Approved;
    decided.decidedAt = T0 + 3600;
    decided.decidedBy = "staff-1";
    decided.note = "核准，次一營業日生效";
    decided.effectiveFrom = T0 + 86400;
    storage_->updateReview(decided);
    const auto again = storage_->findReview("v-1");
    ASSERT_TRUE(again);
    EXPECT_EQ(fields(*again), fields(decided));
    EXPECT_FALSE(storage_->findReview("v-2"));
}

TEST_P(ReviewRepositoryTest, ListsReviewsByStatusOldestFirstAndPerAgencyNewestFirst)
{
    seedAgency("A0001");
    seedAgency("B0001");
    storage_->insertReview(review("v-1", "A0001", T0 + 1));
    auto rejected = review("v-2", "A0001", T0 + 2);
    rejected.status = core::ReviewStatus::Rejected;
    storage_->insertReview(rejected);
    storage_->insertReview(review("v-3", "B0001", T0 + 3));
    storage_->insertReview(review("v-4", "A0001", T0 + 4));

    EXPECT_THAT(idsOf(storage_->listReviews(core::ReviewStatus::Pending, 50, 0)),
        ElementsAre("v-1", "v-3", "v-4"));
    EXPECT_THAT(
        idsOf(storage_->listReviews(core::ReviewStatus::Pending, 1, 1)), ElementsAre("v-3"));
    EXPECT_THAT(
        idsOf(storage_->listReviews(core::ReviewStatus::Rejected, 50, 0)), ElementsAre("v-2"));
    EXPECT_TRUE(storage_->listReviews(core::ReviewStatus::Approved, 50, 0).empty());
    EXPECT_THAT(idsOf(storage_->listReviews(std::nullopt, 2, 1)), ElementsAre("v-2", "v-3"));
    EXPECT_THAT(idsOf(storage_->listAgencyReviews("A0001")), ElementsAre("v-4", "v-2", "v-1"));
    EXPECT_EQ(storage_->countReviews(core::ReviewStatus::Pending), 3);
    EXPECT_EQ(storage_->countReviews(core::ReviewStatus::Rejected), 1);
    EXPECT_EQ(storage_->countReviews(core::ReviewStatus::Approved), 0);
}

CERTGATE_ON_ALL_BACKENDS(ReviewRepositoryTest);

} // namespace
} // namespace certgate::db::test
