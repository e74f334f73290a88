#pragma once

#include <certgate/db/DatabaseConfig.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
class soci_error;
} // namespace soci

namespace certgate::db {

/// A unique index or constraint as each backend names it in its error messages.
struct UniqueKey {
    /// Constraint or index name (PostgreSQL, MariaDB; MariaDB calls every primary key
    /// PRIMARY, recognised by the `<table>_pk` naming rule of sql/README.md).
    std::string_view name;
    std::string_view sqliteColumns; ///< "table.col1, table.col2" as SQLite lists them
};

/// Everything that differs between SQLite, PostgreSQL and MariaDB, in one place; the SQL
/// itself is the common subset (sql/README.md).
class Dialect {
public:
    virtual ~Dialect() = default;

    /// The statements of one migration file as this database runs them (the files are
    /// written in the common subset; MariaDB needs some of it spelled its way).
    virtual std::vector<std::string> migrationStatements(
        const std::vector<std::string>& statements) const
    {
        return statements;
    }
    /// What follows "INSERT INTO t (...) VALUES (...)" so that a row conflicting with an
    /// existing one over the unique `key` (columns, comma-separated) updates it instead by
    /// `assignments` ("a = <proposedValue(a)>, hits = t.hits + 1").
    virtual std::string onConflictUpdate(std::string_view key, std::string_view assignments) const
    {
        return " ON CONFLICT (" + std::string(key) + ") DO UPDATE SET " + std::string(assignments);
    }
    /// In onConflictUpdate's assignments: the value the INSERT proposed for `column`.
    virtual std::string proposedValue(std::string_view column) const
    {
        return "excluded." + std::string(column);
    }

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
    /// Inside a write transaction: locks one agency's row until the transaction ends
    /// (SELECT ... FOR UPDATE).
    virtual void lockAgency(soci::session& session, const std::string& code) const;
    /// Whether a table of that name exists in the schema this session works in.
    virtual bool hasTable(soci::session& session, const std::string& table) const = 0;
    virtual bool isUniqueViolation(const soci::soci_error& error, const UniqueKey& key) const = 0;
    /// Whether `error` says the database cannot be reached or used right now (connection
    /// refused or lost, server shutting down, file locked or unreadable) rather than that the
    /// statement is wrong: the same statement may succeed later.
    virtual bool isUnavailable(const soci::soci_error& error) const = 0;

protected:
    /// hasTable by information_schema, `schema` the SQL function naming the session's schema.
    static bool hasInformationSchemaTable(
        soci::session& session, const char* schema, const std::string& table);
};

/// "sqlite3", "postgresql", "mariadb" or "mysql" (the same); throws core::Error(InternalError)
/// for anything else.
std::unique_ptr<Dialect> makeDialect(const std::string& backend);
std::unique_ptr<Dialect> makeMariadbDialect();

/// SOCI's own errors about the connection, for every backend: a failed connect, a session
/// whose reopening failed, a backend error it classifies as a connection error.
bool isSociConnectionError(const soci::soci_error& error);

} // namespace certgate::db
