#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using ::testing::ElementsAre;

class AgencyRepositoryTest : public StorageTest { };

TEST_P(AgencyRepositoryTest, AgencyRoundTripsAndUpsertReplacesIt)
{
    const auto original = agency("A0001", "臺北市政府");
    storage_->upsertAgency(original);
    const auto found = storage_->findAgency("A0001");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(original));

    auto changed = original;
    changed.name = "臺北市政府教育局";
    changed.region = "新北市";
    changed.expectedCa = "xca";
    changed.expectedIdentifier = "12345678";
    changed.updatedAt = T0 + 99;
    storage_->upsertAgency(changed);

    const auto again = storage_->findAgency("A0001");
    ASSERT_TRUE(again);
    EXPECT_EQ(fields(*again), fields(changed));
    EXPECT_EQ(storage_->countAgencies({}), 1);
    EXPECT_FALSE(storage_->findAgency("A0002"));
}

TEST_P(AgencyRepositoryTest, ListsAgenciesByCodePrefixOrNameSubstringInPages)
{
    storage_->upsertAgency(agency("A0001", "臺北市政府"));
    storage_->upsertAgency(agency("A0002", "臺北市立動物園"));
    storage_->upsertAgency(agency("B0001", "高雄市政府"));
    storage_->upsertAgency(agency("C0001", "Example 100% Agency_x"));

    auto codes = [](const std::vector<core::Agency>& list) {
        std::vector<std::string> out;
        for (const auto& a : list)
            out.push_back(a.code);
        return out;
    };
    EXPECT_THAT(codes(storage_->listAgencies({ "a0", 50, 0 })), ElementsAre("A0001", "A0002"));
    EXPECT_THAT(codes(storage_->listAgencies({ "市政府", 50, 0 })), ElementsAre("A0001", "B0001"));
    EXPECT_THAT(codes(storage_->listAgencies({ "example", 50, 0 })), ElementsAre("C0001"));
    EXPECT_THAT(codes(storage_->listAgencies({ "100%", 50, 0 })), ElementsAre("C0001"));
    EXPECT_THAT(codes(storage_->listAgencies({ "%", 50, 0 })), ElementsAre("C0001"));
    EXPECT_TRUE(storage_->listAgencies({ "100_", 50, 0 }).empty()) << "_ is not a wildcard";
    EXPECT_THAT(codes(storage_->listAgencies({ "", 2, 1 })), ElementsAre("A0002", "B0001"));
    EXPECT_EQ(storage_->countAgencies({ "", 2, 1 }), 4);
    EXPECT_EQ(storage_->countAgencies({ "臺北", 50, 0 }), 2);
    EXPECT_EQ(storage_->countAgencies({ "Z", 50, 0 }), 0);
}

CERTGATE_ON_ALL_BACKENDS(AgencyRepositoryTest);

} // namespace
} // namespace certgate::db::test
