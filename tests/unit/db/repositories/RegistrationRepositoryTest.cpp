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

class RegistrationRepositoryTest : public StorageTest { };

TEST_P(RegistrationRepositoryTest, RegistrationWithItsCertificateAndManagerRoundTrips)
{
    seedAgency();
    const auto cert = orgCertificate("oc-1", "A0001");
    const auto mgr = manager("m-1", "A0001");
    const core::Registration registration { "A0001", "oc-1", "m-1", T0 + 40, T0 + 41 };
    storage_->insertOrgCertificate(cert);
    storage_->insertManager(mgr);
    storage_->insertRegistration(registration);

    const auto foundCert = storage_->findOrgCertificate("oc-1");
    ASSERT_TRUE(foundCert);
    EXPECT_EQ(fields(*foundCert), fields(cert));
    EXPECT_FALSE(foundCert->replacedAt);
    const auto foundManager = storage_->findManager("m-1");
    ASSERT_TRUE(foundManager);
    EXPECT_EQ(fields(*foundManager), fields(mgr));
    const auto foundRegistration = storage_->findRegistration("A0001");
    ASSERT_TRUE(foundRegistration);
    EXPECT_EQ(fields(*foundRegistration), fields(registration));
    EXPECT_FALSE(storage_->findRegistration("A0002"));
    EXPECT_FALSE(storage_->findOrgCertificate("oc-2"));
    EXPECT_FALSE(storage_->findManager("m-2"));
}

TEST_P(RegistrationRepositoryTest, ReplacingCertificatesKeepsTheHistoryNewestFirst)
{
    seedAgency();
    storage_->insertOrgCertificate(orgCertificate("oc-1", "A0001"));
    storage_->insertManager(manager("m-1", "A0001"));
    storage_->insertRegistration({ "A0001", "oc-1", "m-1", T0 + 40, T0 + 40 });

    auto newer = orgCertificate("oc-2", "A0001");
    newer.registeredAt = T0 + 500;
    newer.cert.serial = "FF01";
    auto newManager = manager("m-2", "A0001");
    newManager.registeredAt = T0 + 500;
    newManager.name = "李四";
    storage_->transaction([&](core::Storage& tx) {
        tx.insertOrgCertificate(newer);
        tx.markOrgCertificateReplaced("oc-1", T0 + 500);
        tx.insertManager(newManager);
        tx.markManagerReplaced("m-1", T0 + 500);
        tx.updateRegistration({ "A0001", "oc-2", "m-2", T0 + 40, T0 + 500 });
    });

    const auto certs = storage_->listOrgCertificates("A0001");
    EXPECT_THAT(idsOf(certs), ElementsAre("oc-2", "oc-1"));
    EXPECT_EQ(certs[1].replacedAt, std::optional<std::int64_t>(T0 + 500));
    EXPECT_FALSE(certs[0].replacedAt);
    const auto managers = storage_->listManagers("A0001");
    EXPECT_THAT(idsOf(managers), ElementsAre("m-2", "m-1"));
    EXPECT_EQ(managers[1].replacedAt, std::optional<std::int64_t>(T0 + 500));
    const auto registration = storage_->findRegistration("A0001");
    ASSERT_TRUE(registration);
    EXPECT_EQ(fields(*registration),
        fields(core::Registration { "A0001", "oc-2", "m-2", T0 + 40, T0 + 500 }));
    EXPECT_TRUE(storage_->listOrgCertificates("A0002").empty());
}

TEST_P(RegistrationRepositoryTest, UpdatingManagerContactChangesOnlyTheContact)
{
    seedAgency();
    const auto original = manager("m-1", "A0001");
    storage_->insertManager(original);
    auto changed = original;
    changed.name = "陳美玲（新）";
    changed.email = "new@example.gov.tw";
    changed.phone = "(07)123-4567";
    changed.extension = "";
    changed.nationalIdHash = "must-not-change";
    changed.cert.serial = "MUSTNOTCHANGE";
    changed.registeredAt = 1;
    storage_->updateManagerContact(changed);

    auto expected = original;
    expected.name = changed.name;
    expected.email = changed.email;
    expected.phone = changed.phone;
    expected.extension = changed.extension;
    const auto found = storage_->findManager("m-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(expected));
}

TEST_P(RegistrationRepositoryTest, ListsRegistrationsByAgencyCodeInPages)
{
    for (const auto* code : { "C0003", "A0001", "B0002" }) {
        seedAgency(code);
        storage_->insertOrgCertificate(orgCertificate(std::string("oc-") + code, code));
        storage_->insertManager(manager(std::string("m-") + code, code));
        storage_->insertRegistration(
            { code, std::string("oc-") + code, std::string("m-") + code, T0, T0 });
    }
    std::vector<std::string> codes;
    for (const auto& r : storage_->listRegistrations(2, 1))
        codes.push_back(r.agencyCode);
    EXPECT_THAT(codes, ElementsAre("B0002", "C0003"));
    EXPECT_EQ(storage_->listRegistrations(50, 0).size(), 3u);
}

TEST_P(RegistrationRepositoryTest, UpdatingARecordThatDoesNotExistIsNotFound)
{
    seedAgency();
    EXPECT_EQ(errorCodeOf([&] {
        storage_->updateRegistration({ "A0001", "x", "y", T0, T0 });
    }),
        ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->markOrgCertificateReplaced("nope", T0); }),
        ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->markManagerReplaced("nope", T0); }), ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->updateManagerContact(manager("nope", "A0001")); }),
        ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->updateOperator(op("nope", "A0001", "01")); }),
        ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->markOperatorDeleted("nope", T0); }), ErrorCode::NotFound);
    EXPECT_EQ(
        errorCodeOf([&] { storage_->updateReceiptStatus("nope", core::ReceiptStatus::Approved); }),
        ErrorCode::NotFound);
    EXPECT_EQ(errorCodeOf([&] { storage_->updateReview(review("nope", "A0001", T0)); }),
        ErrorCode::NotFound);
    EXPECT_EQ(
        errorCodeOf([&] { storage_->updateStaff(staff("nope", "01")); }), ErrorCode::NotFound);
}

TEST_P(RegistrationRepositoryTest, ForeignKeysAreEnforced)
{
    EXPECT_EQ(errorCodeOf([&] { storage_->insertOperator(op("o-1", "NOAGENCY", "01")); }),
        ErrorCode::InternalError);
    seedAgency();
    EXPECT_EQ(errorCodeOf([&] {
        storage_->insertRegistration({ "A0001", "no-cert", "no-manager", T0, T0 });
    }),
        ErrorCode::InternalError);
    EXPECT_EQ(errorCodeOf([&] { storage_->insertNonce(nonce("n", "no-such-flow")); }),
        ErrorCode::InternalError);
}

CERTGATE_ON_ALL_BACKENDS(RegistrationRepositoryTest);

} // namespace
} // namespace certgate::db::test
