#include "ConnectionPool.hpp"

#include "ErrorTranslator.hpp"

#include <certgate/metrics/Metrics.hpp>

namespace certgate::db {
namespace {

std::size_t checkedPoolSize(std::size_t size)
{
    if (size == 0)
        throw core::Error(core::ErrorCode::InternalError, "database poolSize must be at least 1");
    return size;
}

} // namespace

/// One pooled connection, given back at the end of the scope. (The pooled session itself
/// rather than soci::session(pool), so that a broken one can be reopened.)
class ConnectionPool::Lease {
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

namespace {

struct PoolMetrics {
    metrics::Gauge& size = metrics::Registry::global()
                               .gauge("certgate_db_pool_connections",
                                   "Database connections the pool holds open.", {})
                               .with({});
    metrics::Gauge& inUse = metrics::Registry::global()
                                .gauge("certgate_db_pool_connections_in_use",
                                    "Database connections lent to a request now.", {})
                                .with({});
    metrics::Histogram& wait = metrics::Registry::global()
                                   .histogram("certgate_db_pool_wait_seconds",
                                       "Time a request waited for a free database connection.", {})
                                   .with({});
};

PoolMetrics& poolMetrics()
{
    static PoolMetrics metrics;
    return metrics;
}

} // namespace

ConnectionPool::ConnectionPool(const DatabaseConfig& config)
    : dialect_(makeDialect(config.backend))
    , config_(config)
    , pool_(checkedPoolSize(config.poolSize))
    , checkedAt_(config.poolSize, 0)
    , suspect_(config.poolSize, 0)
    , availability_(describeDatabase(config))
{
    translated(*dialect_, "open", [&] {
        for (std::size_t i = 0; i < config.poolSize; ++i)
            dialect_->open(pool_.at(i), config_);
    });
    poolMetrics().size.set(static_cast<double>(config.poolSize));
}

// Every call of the storage outside a transaction comes through here (a transaction as a
// whole): a connection that may have broken in an outage is checked before use, and a
// DatabaseUnavailable failure starts an outage (one log line) while a success after it ends
// one.

void ConnectionPool::lend(const std::function<void(soci::session&)>& work)
{
    const auto startedAt = availability_.generation();
    auto& metered = poolMetrics();
    const auto waitFrom = std::chrono::steady_clock::now();
    Lease lease(pool_);
    metered.wait.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - waitFrom).count());
    metered.inUse.add(1);
    struct Returned {
        metrics::Gauge& inUse;
        ~Returned() { inUse.add(-1); }
    } returned { metered.inUse };
    try {
        checkConnection(lease, startedAt);
        work(lease.session());
        availability_.succeeded(startedAt);
    } catch (const soci::soci_error& error) {
        // Statements run inside the repositories' translators; this is a safety net.
        throw failed(lease, translateError(error, *dialect_, "storage"));
    } catch (const core::Error& error) {
        throw failed(lease, error);
    }
}

core::Error ConnectionPool::failed(Lease& lease, const core::Error& error)
{
    if (error.code() == core::ErrorCode::DatabaseUnavailable) {
        suspect_[lease.position()] = 1;
        availability_.lost(error.detail());
    }
    return error;
}

// After an outage began, each connection is checked once before its next use (on PostgreSQL
// is_connected() sends an empty query) and reopened when broken: a PostgreSQL restart breaks
// them all, and a request should not fail on a dead connection once the server is back. A
// connection whose own call failed as unavailable is reopened even when it still answers: it
// may be on a server that can no longer write (a primary fenced read-only, a demoted one),
// and reopening lets a multi-host connection string (target_session_attrs=read-write) find
// the new primary. Only the lessee touches its slots of checkedAt_ and suspect_.
void ConnectionPool::checkConnection(Lease& lease, std::uint64_t generation)
{
    auto& checkedAt = checkedAt_[lease.position()];
    auto& suspect = suspect_[lease.position()];
    if (checkedAt == generation && !suspect)
        return;
    auto& session = lease.session();
    if (suspect || !session.is_connected())
        reopen(session);
    suspect = 0;
    checkedAt = generation;
}

// While the database stays down, one attempt to reach it per `kRetryInterval` is enough: the
// calls in between fail at once (a connect to an unreachable host can block).
void ConnectionPool::reopen(soci::session& session)
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

} // namespace certgate::db
