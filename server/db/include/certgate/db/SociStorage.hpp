#pragma once

#include <certgate/core/Storage.hpp>
#include <certgate/db/DatabaseConfig.hpp>

#include <memory>
#include <string_view>

namespace certgate::db {

class ConnectionSource;

/// core::Storage on SQLite or PostgreSQL through a SOCI connection pool. The schema must be
/// current (Migrator). A database that cannot be reached or used right now (connection
/// refused or lost, server shutting down; SQLite: locked past the busy timeout, I/O error,
/// file cannot be opened) surfaces as core::Error(DatabaseUnavailable): the pool logs one
/// warning when such an outage starts and one line when it ends (Poco logger "certgate.db"),
/// and reconnects by itself. Other database failures surface as core::Error(InternalError)
/// with an English detail; an active operator bound twice in one agency as
/// core::Error(DuplicateOperator). Updates of a record that does not exist throw
/// core::Error(NotFound). On PostgreSQL a failed statement inside transaction() spoils the
/// rest of that transaction: let the exception leave the callback.
///
/// The methods are defined by aggregate in server/db/src/repositories/ (one file each, named
/// after the core repository it implements); inside transaction() the callback gets a
/// SociStorage bound to the transaction's session.
class SociStorage final : public core::Storage {
public:
    /// Opens `config.poolSize` connections (SQLite: WAL, busy timeout, foreign keys on,
    /// synchronous NORMAL). Throws core::Error(DatabaseUnavailable) when the database is
    /// unreachable.
    explicit SociStorage(const DatabaseConfig& config);
    ~SociStorage() override;
    SociStorage(const SociStorage&) = delete;
    SociStorage& operator=(const SociStorage&) = delete;

    void transaction(const std::function<void(core::Storage&)>& work) override;

    std::optional<core::Agency> findAgency(const std::string& code) override;
    void upsertAgency(const core::Agency& agency) override;
    std::vector<core::Agency> listAgencies(const core::AgencyQuery& query) override;
    std::int64_t countAgencies(const core::AgencyQuery& query) override;

    void lockAgency(const std::string& code) override;
    std::optional<core::Registration> findRegistration(const std::string& agencyCode) override;
    void insertRegistration(const core::Registration& registration) override;
    void updateRegistration(const core::Registration& registration) override;
    std::vector<core::Registration> listRegistrations(int limit, int offset) override;
    void insertOrgCertificate(const core::OrganisationCertificate& certificate) override;
    std::optional<core::OrganisationCertificate> findOrgCertificate(const std::string& id) override;
    void markOrgCertificateReplaced(const std::string& id, std::int64_t at) override;
    std::vector<core::OrganisationCertificate> listOrgCertificates(
        const std::string& agencyCode) override;
    void insertManager(const core::Manager& manager) override;
    std::optional<core::Manager> findManager(const std::string& id) override;
    void updateManagerContact(const core::Manager& manager) override;
    void markManagerReplaced(const std::string& id, std::int64_t at) override;
    std::vector<core::Manager> listManagers(const std::string& agencyCode) override;

    void insertOperator(const core::Operator& op) override;
    void updateOperator(const core::Operator& op) override;
    void markOperatorDeleted(const std::string& id, std::int64_t at) override;
    std::optional<core::Operator> findOperator(const std::string& id) override;
    std::vector<core::Operator> listOperators(const std::string& agencyCode) override;
    std::vector<core::Operator> findOperatorsByCertificate(
        const std::string& issuer, const std::string& serial) override;

    void insertReceipt(const core::Receipt& receipt) override;
    void updateReceiptStatus(const std::string& id, core::ReceiptStatus status) override;
    std::vector<core::Receipt> listReceipts(const std::string& agencyCode) override;
    std::optional<core::Receipt> findReceipt(const std::string& id) override;
    std::int64_t nextCounter(const std::string& name) override;

    void insertReview(const core::Review& review) override;
    void updateReview(const core::Review& review) override;
    std::optional<core::Review> findReview(const std::string& id) override;
    std::vector<core::Review> listReviews(
        std::optional<core::ReviewStatus> status, int limit, int offset) override;
    std::int64_t countReviews(core::ReviewStatus status) override;
    std::vector<core::Review> listAgencyReviews(const std::string& agencyCode) override;

    void insertFlow(const core::Flow& flow) override;
    std::optional<core::Flow> findFlow(const std::string& id) override;
    bool updateFlow(const core::Flow& flow) override;
    void insertNonce(const core::Nonce& nonce) override;
    core::NonceOutcome consumeNonce(const std::string& value, const std::string& flowId,
        const std::string& purpose, std::int64_t now) override;
    std::optional<core::Nonce> findNonce(
        const std::string& value, const std::string& flowId, const std::string& purpose) override;
    core::PurgeCounts purgeExpired(std::int64_t before) override;

    void insertStaff(const core::Staff& staff) override;
    void updateStaff(const core::Staff& staff) override;
    std::optional<core::Staff> findStaff(const std::string& id) override;
    std::optional<core::Staff> findStaffByCertificate(
        const std::string& issuer, const std::string& serial) override;
    std::vector<core::Staff> listStaff() override;
    void insertStaffSession(const core::StaffSession& session) override;
    std::optional<core::StaffSession> findStaffSession(const std::string& idHash) override;
    void deleteStaffSession(const std::string& idHash) override;

    void lockAuditChain() override;
    std::optional<core::AuditEvent> lastAuditEvent() override;
    void insertAuditEvent(const core::AuditEvent& event) override;
    std::vector<core::AuditEvent> listAuditEvents(std::int64_t fromSeq, int limit) override;
    std::vector<core::AuditEvent> listAuditEventsNewestFirst(int limit, int offset) override;

    std::vector<core::StoredNationalId> listNationalIdsNotUnder(core::NationalIdTable table,
        const std::string& encPrefix, const std::string& afterId, int limit) override;
    bool rewriteNationalId(core::NationalIdTable table, const core::StoredNationalId& was,
        const std::string& enc, const std::string& hash) override;
    std::int64_t countNationalIds(const std::string& encPrefix, bool under) override;
    std::int64_t countFlowsHolding(const std::string& encPrefix) override;

    std::int64_t hitRateLimit(const std::string& key, std::int64_t windowStart) override;

    void addCardStatistics(const std::vector<core::CardStatistic>& rows) override;
    std::vector<core::CardStatistic> listCardStatistics(std::int64_t fromMinute) override;
    std::int64_t purgeCardStatistics(std::int64_t before) override;

    std::string backend() const override;
    bool ping() override;

private:
    explicit SociStorage(std::unique_ptr<ConnectionSource> connections);

    /// Runs `work(SqlSession&)` on a session of the connection source, SOCI errors
    /// translated for `operation` (and the unique rules given). Defined in Repository.hpp.
    template <typename Work, typename... Rules>
    auto run(std::string_view operation, Work&& work, const Rules&... rules);

    std::unique_ptr<ConnectionSource> connections_;
};

} // namespace certgate::db
