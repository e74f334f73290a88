#pragma once

#include <certgate/core/Records.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

struct AgencyQuery {
    std::string text; ///< matches code prefix or name substring; empty = all
    int limit = 50;
    int offset = 0;
};

/// What one purge of expired records deleted (retention).
struct PurgeCounts {
    std::int64_t nonces = 0;
    std::int64_t flows = 0;
    std::int64_t staffSessions = 0;
    std::int64_t rateLimitWindows = 0;
    std::int64_t cardStatistics = 0;
    std::int64_t total() const
    {
        return nonces + flows + staffSessions + rateLimitWindows + cardStatistics;
    }
};

// The repositories, one per aggregate: a use case depends on the ones it uses; core::Storage
// is all of them on one database, with the transaction that spans several.

/// Agencies (master data).
class AgencyRepository {
public:
    virtual ~AgencyRepository() = default;
    virtual std::optional<Agency> findAgency(const std::string& code) = 0;
    virtual void upsertAgency(const Agency& agency) = 0;
    virtual std::vector<Agency> listAgencies(const AgencyQuery& query) = 0;
    virtual std::int64_t countAgencies(const AgencyQuery& query) = 0;
};

/// Registrations and their certificate history.
class RegistrationRepository {
public:
    virtual ~RegistrationRepository() = default;
    /// Inside transaction(): serialises changes of one agency's registration across server
    /// instances until commit (PostgreSQL: a row lock on the agency; SQLite's write
    /// transactions are already serial). Take it before reading the registration.
    virtual void lockAgency(const std::string& code) { (void)code; }
    virtual std::optional<Registration> findRegistration(const std::string& agencyCode) = 0;
    virtual void insertRegistration(const Registration& registration) = 0;
    virtual void updateRegistration(const Registration& registration) = 0;
    virtual std::vector<Registration> listRegistrations(int limit, int offset) = 0;
    virtual void insertOrgCertificate(const OrganisationCertificate& certificate) = 0;
    virtual std::optional<OrganisationCertificate> findOrgCertificate(const std::string& id) = 0;
    virtual void markOrgCertificateReplaced(const std::string& id, std::int64_t at) = 0;
    virtual std::vector<OrganisationCertificate> listOrgCertificates(const std::string& agencyCode)
        = 0;
    virtual void insertManager(const Manager& manager) = 0;
    virtual std::optional<Manager> findManager(const std::string& id) = 0;
    virtual void updateManagerContact(const Manager& manager)
        = 0; ///< name, email, phone, extension
    virtual void markManagerReplaced(const std::string& id, std::int64_t at) = 0;
    virtual std::vector<Manager> listManagers(const std::string& agencyCode) = 0;
};

/// Operators (授權經辦人); deleted ones are kept with deletedAt set.
class OperatorRepository {
public:
    virtual ~OperatorRepository() = default;
    virtual void insertOperator(const Operator& op) = 0;
    virtual void updateOperator(const Operator& op) = 0;
    virtual void markOperatorDeleted(const std::string& id, std::int64_t at) = 0;
    virtual std::optional<Operator> findOperator(const std::string& id) = 0;
    virtual std::vector<Operator> listOperators(const std::string& agencyCode) = 0; ///< active only
    /// Active operators bound to this certificate (issuer + normalised serial), in any agency.
    virtual std::vector<Operator> findOperatorsByCertificate(
        const std::string& issuer, const std::string& serial)
        = 0;
};

/// Receipts.
class ReceiptRepository {
public:
    virtual ~ReceiptRepository() = default;
    virtual void insertReceipt(const Receipt& receipt) = 0;
    virtual void updateReceiptStatus(const std::string& id, ReceiptStatus status) = 0;
    virtual std::vector<Receipt> listReceipts(const std::string& agencyCode) = 0; ///< newest first
    virtual std::optional<Receipt> findReceipt(const std::string& id) = 0;
    /// Next value of a named counter (atomic; e.g. "receipt:20261127" → 1, 2, ...).
    virtual std::int64_t nextCounter(const std::string& name) = 0;
};

/// Review cases.
class ReviewRepository {
public:
    virtual ~ReviewRepository() = default;
    virtual void insertReview(const Review& review) = 0;
    virtual void updateReview(const Review& review) = 0;
    virtual std::optional<Review> findReview(const std::string& id) = 0;
    virtual std::vector<Review> listReviews(
        std::optional<ReviewStatus> status, int limit, int offset)
        = 0;
    virtual std::int64_t countReviews(ReviewStatus status) = 0;
    virtual std::vector<Review> listAgencyReviews(const std::string& agencyCode)
        = 0; ///< newest first
};

/// Flows (server-side state of a function in progress) and nonces.
class FlowRepository {
public:
    virtual ~FlowRepository() = default;
    virtual void insertFlow(const Flow& flow) = 0;
    virtual std::optional<Flow> findFlow(const std::string& id) = 0;
    /// Writes `flow` if the stored version is still `flow.version - 1`; false when another
    /// request changed it first.
    virtual bool updateFlow(const Flow& flow) = 0;
    virtual void insertNonce(const Nonce& nonce) = 0;
    /// Marks the nonce used if it was issued for this flow and purpose, is unexpired and
    /// unused — atomically, so two instances can never both consume it.
    virtual NonceOutcome consumeNonce(const std::string& value, const std::string& flowId,
        const std::string& purpose, std::int64_t now)
        = 0;
    /// The nonce issued with `value` for this flow and purpose, used or not (its issue time
    /// is part of the text a HiPKI signature covers).
    virtual std::optional<Nonce> findNonce(
        const std::string& value, const std::string& flowId, const std::string& purpose)
        = 0;
};

/// Ops staff.
class StaffRepository {
public:
    virtual ~StaffRepository() = default;
    virtual void insertStaff(const Staff& staff) = 0;
    virtual void updateStaff(const Staff& staff) = 0;
    virtual std::optional<Staff> findStaff(const std::string& id) = 0;
    virtual std::optional<Staff> findStaffByCertificate(
        const std::string& issuer, const std::string& serial)
        = 0;
    virtual std::vector<Staff> listStaff() = 0;
    virtual void insertStaffSession(const StaffSession& session) = 0;
    virtual std::optional<StaffSession> findStaffSession(const std::string& idHash) = 0;
    virtual void deleteStaffSession(const std::string& idHash) = 0;
};

/// Audit log (append-only; the chain itself is computed by core::AuditLog).
class AuditRepository {
public:
    virtual ~AuditRepository() = default;
    /// Inside transaction(): serialises audit appends across server instances until commit
    /// (PostgreSQL: a transaction-scoped advisory lock; SQLite's write transactions are
    /// already serial).
    virtual void lockAuditChain() { }
    virtual std::optional<AuditEvent> lastAuditEvent() = 0;
    /// Inserts with the given seq; throws core::Error(InternalError) on a duplicate seq, so a
    /// concurrent appender retries.
    virtual void insertAuditEvent(const AuditEvent& event) = 0;
    virtual std::vector<AuditEvent> listAuditEvents(std::int64_t fromSeq, int limit) = 0;
    virtual std::vector<AuditEvent> listAuditEventsNewestFirst(int limit, int offset) = 0;
};

/// The stored national IDs of managers and operators (current, replaced and deleted ones) as
/// key rotation sees them: ciphertext and keyed hash, whose spelling names their key
/// (PiiProtector).
enum class NationalIdTable { Managers, Operators };
struct StoredNationalId {
    std::string id; ///< the manager's or operator's id
    std::string enc;
    std::string hash;
};

class NationalIdRepository {
public:
    virtual ~NationalIdRepository() = default;
    /// Up to `limit` rows of `table` whose ciphertext does not begin with `encPrefix`, by id,
    /// after `afterId`.
    virtual std::vector<StoredNationalId> listNationalIdsNotUnder(
        NationalIdTable table, const std::string& encPrefix, const std::string& afterId, int limit)
        = 0;
    /// Replaces a row's ciphertext and hash if its ciphertext is still `was.enc` (a change
    /// made meanwhile wins); whether it did.
    virtual bool rewriteNationalId(NationalIdTable table, const StoredNationalId& was,
        const std::string& enc, const std::string& hash)
        = 0;
    /// Manager and operator rows whose ciphertext begins (under) or does not begin with
    /// `encPrefix`.
    virtual std::int64_t countNationalIds(const std::string& encPrefix, bool under) = 0;
    /// Flows (functions in progress) whose state holds a ciphertext beginning with
    /// `encPrefix`.
    virtual std::int64_t countFlowsHolding(const std::string& encPrefix) = 0;
};

/// Rate limiting (fixed windows, shared by every instance).
class RateLimitRepository {
public:
    virtual ~RateLimitRepository() = default;
    /// Adds one hit to `key` in the window starting at `windowStart`; returns the count.
    virtual std::int64_t hitRateLimit(const std::string& key, std::int64_t windowStart) = 0;
};

/// Card verification counts per minute (the admin dashboard), shared by every instance.
class StatisticsRepository {
public:
    virtual ~StatisticsRepository() = default;
    /// Adds each row's hits to the stored row of its minute, CA and result (one transaction).
    virtual void addCardStatistics(const std::vector<CardStatistic>& rows) = 0;
    /// Every row of a minute at or after `fromMinute`, oldest first.
    virtual std::vector<CardStatistic> listCardStatistics(std::int64_t fromMinute) = 0;
    /// Deletes the rows of minutes before `before`; how many.
    virtual std::int64_t purgeCardStatistics(std::int64_t before) = 0;
};

/// Port: every repository on one database (SOCI adapter: SQLite or PostgreSQL). Every method
/// outside transaction() runs on its own connection and commits by itself; inside transaction() all
/// calls on the Storage& handed to the callback belong to one database transaction, committed
/// when the callback returns and rolled back when it throws (the exception propagates).
/// Implementations are thread-safe; the server holds no state of its own (SPEC §9).
class Storage : public AgencyRepository,
                public RegistrationRepository,
                public OperatorRepository,
                public ReceiptRepository,
                public ReviewRepository,
                public FlowRepository,
                public StaffRepository,
                public AuditRepository,
                public NationalIdRepository,
                public RateLimitRepository,
                public StatisticsRepository {
public:
    ~Storage() override = default;

    virtual void transaction(const std::function<void(Storage&)>& work) = 0;

    /// Deletes flows, nonces and staff sessions that expired before `before`, and rate-limit
    /// windows that started before it; what it deleted. Receipts, registrations and the audit
    /// chain are never touched.
    virtual PurgeCounts purgeExpired(std::int64_t before) = 0;

    /// Backend name ("sqlite3" / "postgresql") and a cheap liveness check for /health.
    virtual std::string backend() const = 0;
    virtual bool ping() = 0;
};

} // namespace certgate::core
