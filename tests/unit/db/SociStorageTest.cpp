#include "DatabaseFixture.hpp"
#include "Samples.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <stdexcept>

namespace certgate::db::test {
namespace {

using core::ErrorCode;
using core::NonceOutcome;
using ::testing::ElementsAre;

template <typename Records> std::vector<std::string> idsOf(const Records& records)
{
    std::vector<std::string> ids;
    for (const auto& r : records)
        ids.push_back(r.id);
    return ids;
}

class SociStorageTest : public DatabaseTest {
protected:
    void SetUp() override
    {
        migrate();
        storage_ = std::make_unique<SociStorage>(config());
    }

    /// An agency with a flow, the parents most records need.
    void seedAgency(const std::string& code = "A0001") { storage_->upsertAgency(agency(code)); }

    std::unique_ptr<SociStorage> storage_;
};

// Agencies

TEST_P(SociStorageTest, AgencyRoundTripsAndUpsertReplacesIt)
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

TEST_P(SociStorageTest, ListsAgenciesByCodePrefixOrNameSubstringInPages)
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

// Registrations, certificates, managers

TEST_P(SociStorageTest, RegistrationWithItsCertificateAndManagerRoundTrips)
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

TEST_P(SociStorageTest, ReplacingCertificatesKeepsTheHistoryNewestFirst)
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

TEST_P(SociStorageTest, UpdatingManagerContactChangesOnlyTheContact)
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

TEST_P(SociStorageTest, ListsRegistrationsByAgencyCodeInPages)
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

TEST_P(SociStorageTest, UpdatingARecordThatDoesNotExistIsNotFound)
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

TEST_P(SociStorageTest, ForeignKeysAreEnforced)
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

// Operators

TEST_P(SociStorageTest, OperatorRoundTripsWithItsFunctions)
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

TEST_P(SociStorageTest, UpdatingAnOperatorTakesOverARenewedCard)
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

TEST_P(SociStorageTest, AnActiveCertificateIsAuthorisedOnlyOncePerAgency)
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

TEST_P(SociStorageTest, ListsActiveOperatorsInTheOrderTheyWereAdded)
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

// Receipts and counters

TEST_P(SociStorageTest, ReceiptsRoundTripNewestFirstWithEveryKindAndStatus)
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

TEST_P(SociStorageTest, CountersCountUpPerName)
{
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 1);
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 2);
    EXPECT_EQ(storage_->nextCounter("receipt:20251128"), 1);
    EXPECT_EQ(storage_->nextCounter("receipt:20251127"), 3);
}

// Reviews

TEST_P(SociStorageTest, ReviewsRoundTripAndAreDecided)
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

TEST_P(SociStorageTest, ListsReviewsByStatusOldestFirstAndPerAgencyNewestFirst)
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
}

// Flows and nonces

TEST_P(SociStorageTest, FlowsRoundTripAndUpdateOnlyFromTheVersionBefore)
{
    const auto original = flow("f-1");
    storage_->insertFlow(original);
    const auto found = storage_->findFlow("f-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(fields(*found), fields(original));

    auto next = original;
    next.step = "manager-card";
    next.state = R"({"step":2})";
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

TEST_P(SociStorageTest, ANonceIsConsumedOnceAndThenReportedAsReplayed)
{
    storage_->insertFlow(flow("f-1"));
    storage_->insertNonce(nonce("bm9uY2UtMQ==", "f-1"));

    EXPECT_EQ(storage_->consumeNonce("bm9uY2UtMQ==", "f-1", "organisation-card", T0 + 10),
        NonceOutcome::Consumed);
    EXPECT_EQ(storage_->consumeNonce("bm9uY2UtMQ==", "f-1", "organisation-card", T0 + 11),
        NonceOutcome::Replayed);
}

TEST_P(SociStorageTest, ANonceOfAnotherFlowOrPurposeIsUnknown)
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

TEST_P(SociStorageTest, ANonceAtOrPastItsExpiryIsExpired)
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

TEST_P(SociStorageTest, PurgeDeletesOnlyWhatExpiredBeforeTheGivenTime)
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

    storage_->purgeExpired(T0 + 500);

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

// Ops staff

TEST_P(SociStorageTest, StaffAndTheirSessionsRoundTrip)
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

// Audit log

TEST_P(SociStorageTest, AuditEventsRoundTripInSeqOrder)
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

TEST_P(SociStorageTest, ADuplicateAuditSeqIsAConflictTheAppenderCanRetry)
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

// Rate limits

TEST_P(SociStorageTest, RateLimitCountsHitsPerKeyAndWindow)
{
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 1);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 2);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0), 3);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.8", T0), 1);
    EXPECT_EQ(storage_->hitRateLimit("receipts:203.0.113.7", T0 + 60), 1);
}

// Transactions

TEST_P(SociStorageTest, ATransactionCommitsEveryWrite)
{
    storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.upsertAgency(agency("A0002"));
        EXPECT_TRUE(tx.findAgency("A0001")) << "reads its own writes";
    });
    EXPECT_TRUE(storage_->findAgency("A0001"));
    EXPECT_TRUE(storage_->findAgency("A0002"));
}

TEST_P(SociStorageTest, ATransactionThatThrowsLeavesNothingHalfWritten)
{
    struct Boom : std::runtime_error {
        Boom()
            : std::runtime_error("boom")
        {
        }
    };
    EXPECT_THROW(storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.upsertAgency(agency("A0002"));
        throw Boom();
    }),
        Boom);
    EXPECT_FALSE(storage_->findAgency("A0001"));
    EXPECT_FALSE(storage_->findAgency("A0002"));
    EXPECT_EQ(storage_->countAgencies({}), 0);
}

TEST_P(SociStorageTest, ADatabaseErrorInATransactionRollsBackTheEarlierWrites)
{
    seedAgency();
    storage_->insertOperator(op("o-1", "A0001", "0001"));
    EXPECT_EQ(errorCodeOf([&] {
        storage_->transaction([](core::Storage& tx) {
            tx.upsertAgency(agency("B0001"));
            tx.insertOperator(op("o-2", "A0001", "0001"));
        });
    }),
        ErrorCode::DuplicateOperator);
    EXPECT_FALSE(storage_->findAgency("B0001"));
    EXPECT_FALSE(storage_->findOperator("o-2"));
}

TEST_P(SociStorageTest, ANestedTransactionJoinsTheOuterOne)
{
    EXPECT_THROW(storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.transaction([](core::Storage& inner) { inner.upsertAgency(agency("A0002")); });
        EXPECT_TRUE(tx.findAgency("A0002"));
        tx.purgeExpired(T0); // opens no transaction of its own inside one
        throw std::logic_error("abort the outer one");
    }),
        std::logic_error);
    EXPECT_FALSE(storage_->findAgency("A0001"));
    EXPECT_FALSE(storage_->findAgency("A0002"));

    storage_->transaction([](core::Storage& tx) {
        tx.transaction([](core::Storage& inner) { inner.upsertAgency(agency("A0003")); });
    });
    EXPECT_TRUE(storage_->findAgency("A0003"));
}

TEST_P(SociStorageTest, TheStorageKeepsWorkingAfterAFailedTransaction)
{
    for (int i = 0; i < 10; ++i) {
        EXPECT_ANY_THROW(storage_->transaction([](core::Storage& tx) {
            tx.upsertAgency(agency("A0001"));
            tx.insertOperator(op("o-1", "NOAGENCY", "01"));
        }));
    }
    storage_->upsertAgency(agency("A0009"));
    EXPECT_EQ(storage_->countAgencies({}), 1);
}

TEST_P(SociStorageTest, NamesItsBackendAndAnswersPing)
{
    EXPECT_EQ(storage_->backend(), GetParam() == Backend::Sqlite ? "sqlite3" : "postgresql");
    EXPECT_TRUE(storage_->ping());
}

CERTGATE_ON_BOTH_BACKENDS(SociStorageTest);

class SociStoragePostgresqlTest : public SociStorageTest { };

TEST_P(SociStoragePostgresqlTest, ReopensAConnectionTheServerDropped)
{
    seedAgency();
    soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
    int terminated = 0;
    admin << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "application_name = :name",
        soci::use(database_.name()), soci::into(terminated);
    ASSERT_EQ(terminated, 4) << "the whole pool";

    EXPECT_EQ(errorCodeOf([&] { storage_->findAgency("A0001"); }), ErrorCode::DatabaseUnavailable)
        << "the request that finds the connection broken fails, as an outage";
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(storage_->findAgency("A0001")) << "the next ones work again";
}

INSTANTIATE_TEST_SUITE_P(
    Postgresql, SociStoragePostgresqlTest, ::testing::Values(Backend::Postgresql), BackendName {});

// Configuration errors and SQLite's connection set-up.

TEST(SociStorageOpenTest, RefusesAnUnknownBackend)
{
    try {
        SociStorage storage(DatabaseConfig { "mysql", "db=x", 1 });
        FAIL() << "opened";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
        EXPECT_THAT(e.detail(), ::testing::HasSubstr("mysql"));
    }
}

TEST(SociStorageOpenTest, RefusesAnInMemorySqliteDatabase)
{
    EXPECT_EQ(errorCodeOf([] {
        SociStorage storage(DatabaseConfig { "sqlite3", "db=:memory:", 2 });
    }),
        ErrorCode::InternalError);
}

TEST(SociStorageOpenTest, AnUnreachableDatabaseIsUnavailable)
{
    certgate::test::TempDir dir;
    EXPECT_EQ(errorCodeOf([&] {
        SociStorage storage(DatabaseConfig { "sqlite3", "db=" + dir.file("no/such/dir/x.db"), 1 });
    }),
        ErrorCode::DatabaseUnavailable);
}

TEST(SociStorageOpenTest, SqliteDatabasesAreSwitchedToWal)
{
    ScratchDatabase database(Backend::Sqlite);
    const auto config = database.config(2);
    SociStorage storage(config);

    soci::session raw(*soci::factory_sqlite3(), config.connection);
    std::string mode;
    raw << "PRAGMA journal_mode", soci::into(mode);
    EXPECT_EQ(mode, "wal") << "WAL is a property of the file once set";
}

} // namespace
} // namespace certgate::db::test
