#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <certgate/core/Error.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certgate::db::test {
namespace {

using core::ErrorCode;
using ::testing::ElementsAre;

class OperatorRepositoryTest : public StorageTest { };

TEST_P(OperatorRepositoryTest, OperatorRoundTripsWithItsFunctions)
{
    seedAgency();
    const auto original = op("o-1", "A0001", "00A1B2C3D4E5F607");
    storage_->insertOperator(original);
    auto noFunctions = op("o-2", "A0001", "0102");
    noFunctions.functions = {};
    storage_->insertOperator(noFunctions);

    const auto found = storage_->findOperator("o-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(original));
    const auto empty = storage_->findOperator("o-2");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->functions.empty());
    EXPECT_FALSE(storage_->findOperator("o-3"));
}

TEST_P(OperatorRepositoryTest, UpdatingAnOperatorTakesOverARenewedCard)
{
    seedAgency();
    const auto original = op("o-1", "A0001", "0001");
    storage_->insertOperator(original);
    auto renewed = original;
    renewed.certSerial = "0002";
    renewed.certIssuerKeyId = "";
    renewed.name = "林志豪（改）";
    renewed.functions = { "only.this" };
    renewed.updatedAt = T0 + 900;
    storage_->updateOperator(renewed);

    const auto found = storage_->findOperator("o-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(renewed));
    EXPECT_TRUE(storage_->findOperatorsByCertificate(original.certIssuer, "0001").empty());
    EXPECT_THAT(idsOf(storage_->findOperatorsByCertificate(original.certIssuer, "0002")),
        ElementsAre("o-1"));
}

TEST_P(OperatorRepositoryTest, AnActiveCertificateIsAuthorisedOnlyOncePerAgency)
{
    seedAgency("A0001");
    seedAgency("B0001");
    storage_->insertOperator(op("o-1", "A0001", "0001"));

    EXPECT_EQ(errorCodeOf([&] { storage_->insertOperator(op("o-2", "A0001", "0001")); }),
        ErrorCode::DuplicateOperator);
    auto otherIssuer = op("o-3", "A0001", "0001");
    otherIssuer.certIssuer = "CN=another CA,C=TW";
    storage_->insertOperator(otherIssuer);
    storage_->insertOperator(op("o-4", "B0001", "0001"));
    storage_->insertOperator(op("o-5", "A0001", "0005"));
    auto collide = op("o-5", "A0001", "0001");
    EXPECT_EQ(
        errorCodeOf([&] { storage_->updateOperator(collide); }), ErrorCode::DuplicateOperator);

    storage_->markOperatorDeleted("o-1", T0 + 60);
    storage_->insertOperator(op("o-2", "A0001", "0001"));

    const auto deleted = storage_->findOperator("o-1");
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->deletedAt, std::optional<std::int64_t>(T0 + 60));
    EXPECT_THAT(idsOf(storage_->listOperators("A0001")), ElementsAre("o-2", "o-3", "o-5"));
    EXPECT_THAT(
        idsOf(storage_->findOperatorsByCertificate("CN=內政部憑證管理中心,O=行政院,C=TW", "0001")),
        ElementsAre("o-2", "o-4"));
    EXPECT_EQ(
        errorCodeOf([&] { storage_->markOperatorDeleted("o-1", T0 + 70); }), ErrorCode::NotFound)
        << "deleting twice";
}

TEST_P(OperatorRepositoryTest, ListsActiveOperatorsInTheOrderTheyWereAdded)
{
    seedAgency();
    for (int i = 3; i >= 1; --i) {
        auto o = op("o-" + std::to_string(i), "A0001", "000" + std::to_string(i));
        o.createdAt = T0 + 10 * (4 - i);
        storage_->insertOperator(o);
    }
    EXPECT_THAT(idsOf(storage_->listOperators("A0001")), ElementsAre("o-3", "o-2", "o-1"));
    EXPECT_TRUE(storage_->listOperators("B0001").empty());
}

CERTGATE_ON_ALL_BACKENDS(OperatorRepositoryTest);

} // namespace
} // namespace certgate::db::test
