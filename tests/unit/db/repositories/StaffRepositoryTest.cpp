#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using ::testing::ElementsAre;

class StaffRepositoryTest : public StorageTest { };

TEST_P(StaffRepositoryTest, StaffAndTheirSessionsRoundTrip)
{
    const auto reviewer = staff("s-1", "00AB");
    auto admin = staff("s-2", "00CD");
    admin.name = "Alice Admin";
    admin.role = "admin";
    storage_->insertStaff(reviewer);
    storage_->insertStaff(admin);

    const auto found = storage_->findStaff("s-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(reviewer));
    const auto byCert = storage_->findStaffByCertificate(admin.certIssuer, "00CD");
    ASSERT_TRUE(byCert);
    EXPECT_EQ(byCert->id, "s-2");
    EXPECT_FALSE(storage_->findStaffByCertificate("CN=other", "00CD"));
    EXPECT_THAT(idsOf(storage_->listStaff()), ElementsAre("s-2", "s-1"));

    auto disabled = reviewer;
    disabled.disabledAt = T0 + 77;
    disabled.role = "admin";
    storage_->updateStaff(disabled);
    const auto updated = storage_->findStaff("s-1");
    ASSERT_TRUE(updated);
    EXPECT_EQ(fields(*updated), fields(disabled));

    const core::StaffSession session { std::string(64, 'f'), "s-2", "csrf-token", T0, T0 + 900 };
    storage_->insertStaffSession(session);
    const auto foundSession = storage_->findStaffSession(session.idHash);
    ASSERT_TRUE(foundSession);
    EXPECT_EQ(fields(*foundSession), fields(session));
    storage_->deleteStaffSession(session.idHash);
    EXPECT_FALSE(storage_->findStaffSession(session.idHash));
    storage_->deleteStaffSession(session.idHash); // logging out twice is fine
}

CERTGATE_ON_ALL_BACKENDS(StaffRepositoryTest);

} // namespace
} // namespace certgate::db::test
