#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

class ReceiptRepositoryTest : public StorageTest { };

TEST_P(ReceiptRepositoryTest, ReceiptsRoundTripNewestFirstWithEveryKindAndStatus)
{
    seedAgency();
    const std::vector<core::ReceiptKind> kinds { core::ReceiptKind::FirstRegistration,
        core::ReceiptKind::ReplaceOrganisation, core::ReceiptKind::ReplaceManager,
        core::ReceiptKind::ReplaceBoth, core::ReceiptKind::ReviewApplication };
    const std::vector<core::ReceiptStatus> statuses { core::ReceiptStatus::Done,
        core::ReceiptStatus::UnderReview, core::ReceiptStatus::Approved,
        core::ReceiptStatus::Rejected, core::ReceiptStatus::Done };
    std::vector<core::Receipt> inserted;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        core::Receipt r { "r-" + std::to_string(i), "R2025112700" + std::to_string(i), "A0001",
            kinds[i], statuses[i], T0 + static_cast<std::int64_t>(i), i == 4 ? "review-1" : "" };
        storage_->insertReceipt(r);
        inserted.push_back(r);
    }

    const auto listed = storage_->listReceipts("A0001");
    ASSERT_EQ(listed.size(), inserted.size());
    for (std::size_t i = 0; i < listed.size(); ++i)
        EXPECT_EQ(fields(listed[i]), fields(inserted[inserted.size() - 1 - i]));

    storage_->updateReceiptStatus("r-4", core::ReceiptStatus::Approved);
    const auto found = storage_->findReceipt("r-4");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, core::ReceiptStatus::Approved);
    EXPECT_EQ(found->kind, core::ReceiptKind::ReviewApplication);
    EXPECT_FALSE(storage_->findReceipt("r-9"));
    EXPECT_TRUE(storage_->listReceipts("B0001").empty());
}

TEST_P(ReceiptRepositoryTest, CountersCountUpPerName)
{
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 1);
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 2);
    EXPECT_EQ(storage_->nextCounter("receipt:20251128"), 1);
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 3);
}

CERTGATE_ON_ALL_BACKENDS(ReceiptRepositoryTest);

} // namespace
} // namespace certgate::db::test
