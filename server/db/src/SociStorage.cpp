#include "Availability.hpp"
#include "Dialect.hpp"
#include "ErrorTranslator.hpp"
#include "SessionStorage.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <type_traits>
#include <vector>

namespace certgate::db {

class SociStorage::Pool {
    /// One pooled connection, given back at the end of the scope. (The pooled session
    /// itself rather than soci::session(pool), so that a broken one can be reopened.)
    class Lease {
    public:
        explicit Lease(soci::connection_pool& pool)
            : pool_(pool)
            , position_(pool.lease())
        {
        }
        ~Lease() { pool_.give_back(position_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        soci::session& session() { return pool_.at(position_); }
        std::size_t position() const { return position_; }

    private:
        soci::connection_pool& pool_;
        std::size_t position_;
    };

public:
    explicit Pool(const DatabaseConfig& config)
        : dialect_(makeDialect(config.backend))
        , config_(config)
        , pool_(checkedPoolSize(config.poolSize))
        , checkedAt_(config.poolSize, 0)
        , availability_(describeDatabase(config))
    {
        translated(*dialect_, "open", [&] {
            for (std::size_t i = 0; i < config.poolSize; ++i)
                dialect_->open(pool_.at(i), config_);
        });
    }

    // Every call of the storage comes through here: a connection that may have broken in an
    // outage is checked before use, and a DatabaseUnavailable failure starts an outage (one
    // log line) while a success after it ends one.
    template <typename Call> auto run(Call&& call)
    {
        const auto startedAt = availability_.generation();
        Lease lease(pool_);
        try {
            checkConnection(lease, startedAt);
            SessionStorage storage(lease.session(), *dialect_);
            if constexpr (std::is_void_v<decltype(call(std::declval<core::Storage&>()))>) {
                call(static_cast<core::Storage&>(storage));
                availability_.succeeded(startedAt);
            } else {
                auto result = call(static_cast<core::Storage&>(storage));
                availability_.succeeded(startedAt);
                return result;
            }
        } catch (const soci::soci_error& error) {
            // Statements run inside SessionStorage's translators; this is a safety net.
            throw failed(translateError(error, *dialect_, "storage"));
        } catch (const core::Error& error) {
            throw failed(error);
        }
    }

    const Dialect& dialect() const { return *dialect_; }

private:
    static std::size_t checkedPoolSize(std::size_t size)
    {
        if (size == 0)
            throw core::Error(
                core::ErrorCode::InternalError, "database poolSize must be at least 1");
        return size;
    }

    core::Error failed(const core::Error& error)
    {
        if (error.code() == core::ErrorCode::DatabaseUnavailable)
            availability_.lost(error.detail());
        return error;
    }

    // After an outage began, each connection is checked once before its next use (on
    // PostgreSQL is_connected() sends an empty query) and reopened when broken: a PostgreSQL
    // restart breaks them all, and a request should not fail on a dead connection once the
    // server is back. Only the lessee touches its slot of checkedAt_.
    void checkConnection(Lease& lease, std::uint64_t generation)
    {
        auto& checkedAt = checkedAt_[lease.position()];
        if (checkedAt == generation)
            return;
        auto& session = lease.session();
        if (!session.is_connected())
            reopen(session);
        checkedAt = generation;
    }

    // While the database stays down, one attempt to reach it per `kRetryInterval` is enough:
    // the calls in between fail at once (a connect to an unreachable host can block).
    void reopen(soci::session& session)
    {
        static constexpr auto kRetryInterval = std::chrono::milliseconds(200);
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        if (now < retryNotBefore_.load()) {
            // Only while the outage lasts: once a call found the database back, try at once.
            if (auto reason = availability_.reason(); !reason.empty())
                throw core::Error(core::ErrorCode::DatabaseUnavailable, reason);
        }
        try {
            session.close();
            translated(*dialect_, "reconnect", [&] { dialect_->open(session, config_); });
            retryNotBefore_ = 0;
        } catch (const core::Error&) {
            retryNotBefore_ = now
                + std::chrono::duration_cast<std::chrono::steady_clock::duration>(kRetryInterval)
                      .count();
            throw;
        }
    }

    std::unique_ptr<Dialect> dialect_;
    DatabaseConfig config_;
    soci::connection_pool pool_;
    std::vector<std::uint64_t> checkedAt_;
    std::atomic<std::chrono::steady_clock::rep> retryNotBefore_ { 0 };
    Availability availability_;
};

template <typename Call> auto SociStorage::onConnection(Call&& call)
{
    return pool_->run(std::forward<Call>(call));
}

SociStorage::SociStorage(const DatabaseConfig& config)
    : pool_(std::make_unique<Pool>(config))
{
}

SociStorage::~SociStorage() = default;

void SociStorage::transaction(const std::function<void(core::Storage&)>& work)
{
    onConnection([&](core::Storage& s) { s.transaction(work); });
}

std::optional<core::Agency> SociStorage::findAgency(const std::string& code)
{
    return onConnection([&](core::Storage& s) { return s.findAgency(code); });
}

void SociStorage::upsertAgency(const core::Agency& agency)
{
    onConnection([&](core::Storage& s) { s.upsertAgency(agency); });
}

std::vector<core::Agency> SociStorage::listAgencies(const core::AgencyQuery& query)
{
    return onConnection([&](core::Storage& s) { return s.listAgencies(query); });
}

std::int64_t SociStorage::countAgencies(const core::AgencyQuery& query)
{
    return onConnection([&](core::Storage& s) { return s.countAgencies(query); });
}

std::optional<core::Registration> SociStorage::findRegistration(const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.findRegistration(agencyCode); });
}

void SociStorage::insertRegistration(const core::Registration& registration)
{
    onConnection([&](core::Storage& s) { s.insertRegistration(registration); });
}

void SociStorage::updateRegistration(const core::Registration& registration)
{
    onConnection([&](core::Storage& s) { s.updateRegistration(registration); });
}

std::vector<core::Registration> SociStorage::listRegistrations(int limit, int offset)
{
    return onConnection([&](core::Storage& s) { return s.listRegistrations(limit, offset); });
}

void SociStorage::insertOrgCertificate(const core::OrganisationCertificate& certificate)
{
    onConnection([&](core::Storage& s) { s.insertOrgCertificate(certificate); });
}

std::optional<core::OrganisationCertificate> SociStorage::findOrgCertificate(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findOrgCertificate(id); });
}

void SociStorage::markOrgCertificateReplaced(const std::string& id, std::int64_t at)
{
    onConnection([&](core::Storage& s) { s.markOrgCertificateReplaced(id, at); });
}

std::vector<core::OrganisationCertificate> SociStorage::listOrgCertificates(
    const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.listOrgCertificates(agencyCode); });
}

void SociStorage::insertManager(const core::Manager& manager)
{
    onConnection([&](core::Storage& s) { s.insertManager(manager); });
}

std::optional<core::Manager> SociStorage::findManager(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findManager(id); });
}

void SociStorage::updateManagerContact(const core::Manager& manager)
{
    onConnection([&](core::Storage& s) { s.updateManagerContact(manager); });
}

void SociStorage::markManagerReplaced(const std::string& id, std::int64_t at)
{
    onConnection([&](core::Storage& s) { s.markManagerReplaced(id, at); });
}

std::vector<core::Manager> SociStorage::listManagers(const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.listManagers(agencyCode); });
}

void SociStorage::insertOperator(const core::Operator& op)
{
    onConnection([&](core::Storage& s) { s.insertOperator(op); });
}

void SociStorage::updateOperator(const core::Operator& op)
{
    onConnection([&](core::Storage& s) { s.updateOperator(op); });
}

void SociStorage::markOperatorDeleted(const std::string& id, std::int64_t at)
{
    onConnection([&](core::Storage& s) { s.markOperatorDeleted(id, at); });
}

std::optional<core::Operator> SociStorage::findOperator(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findOperator(id); });
}

std::vector<core::Operator> SociStorage::listOperators(const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.listOperators(agencyCode); });
}

std::vector<core::Operator> SociStorage::findOperatorsByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return onConnection(
        [&](core::Storage& s) { return s.findOperatorsByCertificate(issuer, serial); });
}

void SociStorage::insertReceipt(const core::Receipt& receipt)
{
    onConnection([&](core::Storage& s) { s.insertReceipt(receipt); });
}

void SociStorage::updateReceiptStatus(const std::string& id, core::ReceiptStatus status)
{
    onConnection([&](core::Storage& s) { s.updateReceiptStatus(id, status); });
}

std::vector<core::Receipt> SociStorage::listReceipts(const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.listReceipts(agencyCode); });
}

std::optional<core::Receipt> SociStorage::findReceipt(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findReceipt(id); });
}

std::int64_t SociStorage::nextCounter(const std::string& name)
{
    return onConnection([&](core::Storage& s) { return s.nextCounter(name); });
}

void SociStorage::insertReview(const core::Review& review)
{
    onConnection([&](core::Storage& s) { s.insertReview(review); });
}

void SociStorage::updateReview(const core::Review& review)
{
    onConnection([&](core::Storage& s) { s.updateReview(review); });
}

std::optional<core::Review> SociStorage::findReview(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findReview(id); });
}

std::vector<core::Review> SociStorage::listReviews(
    std::optional<core::ReviewStatus> status, int limit, int offset)
{
    return onConnection([&](core::Storage& s) { return s.listReviews(status, limit, offset); });
}

std::vector<core::Review> SociStorage::listAgencyReviews(const std::string& agencyCode)
{
    return onConnection([&](core::Storage& s) { return s.listAgencyReviews(agencyCode); });
}

void SociStorage::insertFlow(const core::Flow& flow)
{
    onConnection([&](core::Storage& s) { s.insertFlow(flow); });
}

std::optional<core::Flow> SociStorage::findFlow(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findFlow(id); });
}

bool SociStorage::updateFlow(const core::Flow& flow)
{
    return onConnection([&](core::Storage& s) { return s.updateFlow(flow); });
}

void SociStorage::insertNonce(const core::Nonce& nonce)
{
    onConnection([&](core::Storage& s) { s.insertNonce(nonce); });
}

core::NonceOutcome SociStorage::consumeNonce(const std::string& value, const std::string& flowId,
    const std::string& purpose, std::int64_t now)
{
    return onConnection(
        [&](core::Storage& s) { return s.consumeNonce(value, flowId, purpose, now); });
}

void SociStorage::purgeExpired(std::int64_t before)
{
    onConnection([&](core::Storage& s) { s.purgeExpired(before); });
}

void SociStorage::insertStaff(const core::Staff& staff)
{
    onConnection([&](core::Storage& s) { s.insertStaff(staff); });
}

void SociStorage::updateStaff(const core::Staff& staff)
{
    onConnection([&](core::Storage& s) { s.updateStaff(staff); });
}

std::optional<core::Staff> SociStorage::findStaff(const std::string& id)
{
    return onConnection([&](core::Storage& s) { return s.findStaff(id); });
}

std::optional<core::Staff> SociStorage::findStaffByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return onConnection([&](core::Storage& s) { return s.findStaffByCertificate(issuer, serial); });
}

std::vector<core::Staff> SociStorage::listStaff()
{
    return onConnection([&](core::Storage& s) { return s.listStaff(); });
}

void SociStorage::insertStaffSession(const core::StaffSession& session)
{
    onConnection([&](core::Storage& s) { s.insertStaffSession(session); });
}

std::optional<core::StaffSession> SociStorage::findStaffSession(const std::string& idHash)
{
    return onConnection([&](core::Storage& s) { return s.findStaffSession(idHash); });
}

void SociStorage::deleteStaffSession(const std::string& idHash)
{
    onConnection([&](core::Storage& s) { s.deleteStaffSession(idHash); });
}

std::optional<core::AuditEvent> SociStorage::lastAuditEvent()
{
    return onConnection([&](core::Storage& s) { return s.lastAuditEvent(); });
}

void SociStorage::insertAuditEvent(const core::AuditEvent& event)
{
    onConnection([&](core::Storage& s) { s.insertAuditEvent(event); });
}

std::vector<core::AuditEvent> SociStorage::listAuditEvents(std::int64_t fromSeq, int limit)
{
    return onConnection([&](core::Storage& s) { return s.listAuditEvents(fromSeq, limit); });
}

std::vector<core::AuditEvent> SociStorage::listAuditEventsNewestFirst(int limit, int offset)
{
    return onConnection(
        [&](core::Storage& s) { return s.listAuditEventsNewestFirst(limit, offset); });
}

std::int64_t SociStorage::hitRateLimit(const std::string& key, std::int64_t windowStart)
{
    return onConnection([&](core::Storage& s) { return s.hitRateLimit(key, windowStart); });
}

std::string SociStorage::backend() const
{
    return pool_->dialect().name();
}

bool SociStorage::ping()
{
    try {
        return onConnection([](core::Storage& s) { return s.ping(); });
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace certgate::db
