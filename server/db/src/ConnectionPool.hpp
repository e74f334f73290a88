#pragma once

#include "Availability.hpp"
#include "ConnectionSource.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/DatabaseConfig.hpp>

#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace certgate::db {

/// `config.poolSize` open connections, one lent per call. A connection that may have broken
/// in an outage is checked before use and reopened; a DatabaseUnavailable failure starts an
/// outage (one log line, Availability) and a success after it ends one.
class ConnectionPool final : public ConnectionSource {
public:
    /// Opens every connection; throws core::Error(DatabaseUnavailable) when the database is
    /// unreachable.
    explicit ConnectionPool(const DatabaseConfig& config);

    const Dialect& dialect() const override { return *dialect_; }
    bool inTransaction() const override { return false; }
    void lend(const std::function<void(soci::session&)>& work) override;

private:
    class Lease;

    core::Error failed(Lease& lease, const core::Error& error);
    void checkConnection(Lease& lease, std::uint64_t generation);
    void reopen(soci::session& session);

    std::unique_ptr<Dialect> dialect_;
    DatabaseConfig config_;
    soci::connection_pool pool_;
    std::vector<std::uint64_t> checkedAt_;
    /// The connection's last call failed as unavailable (char: each slot its own byte, as the
    /// lessees write them concurrently).
    std::vector<char> suspect_;
    std::atomic<std::chrono::steady_clock::rep> retryNotBefore_ { 0 };
    Availability availability_;
};

} // namespace certgate::db
