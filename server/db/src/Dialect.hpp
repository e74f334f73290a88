#pragma once

#include <certgate/db/DatabaseConfig.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace soci {
class session;
class soci_error;
} // namespace soci

namespace certgate::db {

/// A unique index or constraint as each backend names it in its error messages.
struct UniqueKey {
    std::string_view postgresqlName; ///< constraint or index name
    std::string_view sqliteColumns; ///< "table.col1, table.col2" as SQLite lists them
};

/// Everything that differs between SQLite and PostgreSQL, in one place; the SQL itself is
/// the common subset (sql/README.md).
class Dialect {
public:
    virtual ~Dialect() = default;

    virtual std::string name() const = 0;
    /// Opens `session` on `config.connection` and sets it up for certgate.
    virtual void open(soci::session& session, const DatabaseConfig& config) const = 0;
    /// Starts a transaction that will write.
    virtual const char* beginWrite() const = 0;
    /// Serialises migrators across processes; unlock is also implied by closing the session.
    virtual void lockMigrations(soci::session& session) const = 0;
    virtual void unlockMigrations(soci::session& session) const = 0;
    /// Inside a write transaction: serialises appends to the audit chain across connections
    /// and processes until the transaction ends (each append reads the last row, then
    /// inserts the next seq).
    virtual void lockAuditChain(soci::session& session) const = 0;
    /// Inside a write transaction: locks one agency's row until the transaction ends.
    virtual void lockAgency(soci::session& session, const std::string& code) const = 0;
    /// Whether a table of that name exists in the schema this session works in.
    virtual bool hasTable(soci::session& session, const std::string& table) const = 0;
    virtual bool isUniqueViolation(const soci::soci_error& error, const UniqueKey& key) const = 0;
    /// Whether `error` says the database cannot be reached or used right now (connection
    /// refused or lost, server shutting down, file locked or unreadable) rather than that the
    /// statement is wrong: the same statement may succeed later.
    virtual bool isUnavailable(const soci::soci_error& error) const = 0;
};

/// "sqlite3" or "postgresql"; throws core::Error(InternalError) for anything else.
std::unique_ptr<Dialect> makeDialect(const std::string& backend);

} // namespace certgate::db
