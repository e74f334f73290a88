#include "Dialect.hpp"

#include <certgate/core/Error.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <sqlite3.h>
#include <thread>

namespace certgate::db {

// A failed connect is a plain soci_error on PostgreSQL; SOCI classifies PostgreSQL's SQLSTATE
// class 08, which it also gives a lost connection, as connection_error.
bool isSociConnectionError(const soci::soci_error& error)
{
    if (error.get_error_category() == soci::soci_error::connection_error)
        return true;
    const auto& message = error.get_error_message();
    return message.starts_with("Session is not connected")
        || message.starts_with("Cannot establish connection");
}

void Dialect::lockAgency(soci::session& session, const std::string& code) const
{
    std::string locked;
    soci::indicator indicator = soci::i_null;
    session << "SELECT code FROM agencies WHERE code = :code FOR UPDATE", soci::use(code),
        soci::into(locked, indicator);
}

bool Dialect::hasInformationSchemaTable(
    soci::session& session, const char* schema, const std::string& table)
{
    long long count = 0;
    session << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
            + std::string(schema) + " AND table_name = :name",
        soci::use(table), soci::into(count);
    return count > 0;
}

namespace {

class SqliteDialect final : public Dialect {
public:
    std::string name() const override { return "sqlite3"; }

    void open(soci::session& session, const DatabaseConfig& config) const override
    {
        // Every pooled connection and the migrator must see the same database.
        if (config.connection.find(":memory:") != std::string::npos
            || config.connection.find("mode=memory") != std::string::npos)
            throw core::Error(core::ErrorCode::InternalError,
                "in-memory SQLite databases are not supported: use a file");
        session.open(*soci::factory_sqlite3(), config.connection);
        // PRAGMAs take no bound parameters; the timeout is an integer from the
        // configuration, never text from a request. The busy timeout comes first so
        // that switching to WAL waits for a concurrent opener instead of failing.
        session << "PRAGMA busy_timeout = " + std::to_string(config.busyTimeoutMs);
        // Switching a new file to WAL needs a moment when no other connection holds it, and
        // SQLite answers "database is locked" at once rather than through busy_timeout when
        // concurrent openers (several migrators) race for it: retry until the timeout.
        std::string mode;
        const auto deadline
            = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.busyTimeoutMs);
        for (;;) {
            try {
                session << "PRAGMA journal_mode = WAL", soci::into(mode);
                break;
            } catch (const soci::soci_error&) {
                if (std::chrono::steady_clock::now() >= deadline)
                    throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        session << "PRAGMA synchronous = NORMAL";
        session << "PRAGMA foreign_keys = ON";
    }

    // A deferred transaction that reads first cannot later take the write lock once
    // another connection committed (SQLITE_BUSY without waiting); IMMEDIATE takes it
    // up front and so honours busy_timeout.
    const char* beginWrite() const override { return "BEGIN IMMEDIATE"; }

    // Each migration takes the database's write lock with BEGIN IMMEDIATE, which is
    // all the mutual exclusion SQLite needs.
    void lockMigrations(soci::session&) const override { }
    void unlockMigrations(soci::session&) const override { }
    // Write transactions are serial already.
    void lockAuditChain(soci::session&) const override { }
    void lockAgency(soci::session&, const std::string&) const override { }

    bool hasTable(soci::session& session, const std::string& table) const override
    {
        long long count = 0;
        session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :name",
            soci::use(table), soci::into(count);
        return count > 0;
    }

    bool isUniqueViolation(const soci::soci_error& error, const UniqueKey& key) const override
    {
        const auto* sqliteError = dynamic_cast<const soci::sqlite3_soci_error*>(&error);
        if (!sqliteError || (sqliteError->result() & 0xff) != SQLITE_CONSTRAINT)
            return false;
        return error.get_error_message().find(
                   "UNIQUE constraint failed: " + std::string(key.sqliteColumns))
            != std::string::npos;
    }

    // BUSY: another writer held the lock past busy_timeout. FULL is a full disk: an operator
    // must act, but retrying later is still the client's right move.
    bool isUnavailable(const soci::soci_error& error) const override
    {
        const auto* sqliteError = dynamic_cast<const soci::sqlite3_soci_error*>(&error);
        return isSociConnectionError(error) || (sqliteError && isTransient(sqliteError->result()));
    }

private:
    static bool isTransient(int result)
    {
        switch (result & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_FULL:
            return true;
        default:
            return false;
        }
    }
};

class PostgresqlDialect final : public Dialect {
public:
    std::string name() const override { return "postgresql"; }

    void open(soci::session& session, const DatabaseConfig& config) const override
    {
        session.open(*soci::factory_postgresql(), postgresqlConnectString(config));
        session << "SET client_encoding TO 'UTF8'";
        // NOTICEs (e.g. from DROP ... CASCADE) would otherwise go to stderr via libpq.
        session << "SET client_min_messages TO WARNING";
    }

    const char* beginWrite() const override { return "BEGIN"; }

    void lockMigrations(soci::session& session) const override
    {
        session << "SELECT pg_advisory_lock(" + std::to_string(migrationLockKey) + ")";
    }

    void unlockMigrations(soci::session& session) const override
    {
        session << "SELECT pg_advisory_unlock(" + std::to_string(migrationLockKey) + ")";
    }

    // Without it two transactions read the same last row and insert the same seq: the
    // second waits for the first and fails on the primary key, taking its whole transaction
    // (a registration, an operator change) down with it.
    void lockAuditChain(soci::session& session) const override
    {
        session << "SELECT pg_advisory_xact_lock(" + std::to_string(auditLockKey) + ")";
    }

    bool hasTable(soci::session& session, const std::string& table) const override
    {
        return hasInformationSchemaTable(session, "current_schema()", table);
    }

    bool isUniqueViolation(const soci::soci_error& error, const UniqueKey& key) const override
    {
        const auto* pgError = dynamic_cast<const soci::postgresql_soci_error*>(&error);
        if (!pgError || pgError->sqlstate() != "23505")
            return false;
        return error.get_error_message().find('"' + std::string(key.name) + '"')
            != std::string::npos;
    }

    // Besides class 08: the server shutting down or starting (57P01 admin_shutdown,
    // 57P02 crash_shutdown, 57P03 cannot_connect_now), no connection slot left (53300), and a
    // write on a server that cannot write (25006 read_only_sql_transaction: a primary fenced
    // read-only or a standby during a failover; the pool then reconnects that connection).
    bool isUnavailable(const soci::soci_error& error) const override
    {
        const auto* pgError = dynamic_cast<const soci::postgresql_soci_error*>(&error);
        return isSociConnectionError(error) || (pgError && isTransient(pgError->sqlstate()));
    }

private:
    static bool isTransient(const std::string& state)
    {
        return state.starts_with("08") || state.starts_with("57P0") || state == "53300"
            || state == "25006";
    }

    // Any fixed number; "cgmigrat" in ASCII, so it is recognisable in pg_locks.
    static constexpr long long migrationLockKey = 0x63676d6967726174;
    // "cgaudit!"
    static constexpr long long auditLockKey = 0x6367617564697421;
};

} // namespace

std::unique_ptr<Dialect> makeDialect(const std::string& backend)
{
    if (backend == "sqlite3")
        return std::make_unique<SqliteDialect>();
    if (backend == "postgresql")
        return std::make_unique<PostgresqlDialect>();
    if (backend == "mariadb" || backend == "mysql")
        return makeMariadbDialect();
    throw core::Error(core::ErrorCode::InternalError,
        "unknown database backend '" + backend + "' (expected sqlite3, postgresql or mariadb)");
}

} // namespace certgate::db
