// MariaDB (10.11, Debian 12) through SOCI's MySQL backend: what it spells differently from the
// common subset the rest of server/db writes.
#include "Dialect.hpp"
#include "MariadbSchema.hpp"

#include <certgate/core/Error.hpp>

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>

#include <algorithm>

namespace certgate::db {
namespace {

bool hasOption(const std::string& connection, const std::string& key)
{
    return (" " + connection).find(" " + key + "=") != std::string::npos;
}

class MariadbDialect final : public Dialect {
public:
    std::string name() const override { return "mariadb"; }

    void open(soci::session& session, const DatabaseConfig& config) const override
    {
        // utf8mb4 as the connector's own character set (it escapes bound text in it); an
        // unreachable host fails within seconds instead of the TCP timeout.
        auto connection = config.connection;
        if (!hasOption(connection, "charset"))
            connection += " charset=utf8mb4";
        if (!hasOption(connection, "connect_timeout"))
            connection += " connect_timeout=10";
        session.open(*soci::factory_mysql(), connection);
        // The common subset's semantics: standard string literals and "quoted" identifiers,
        // errors instead of silently truncated or coerced values, and PostgreSQL's isolation
        // (each statement sees what committed before it; MariaDB's default REPEATABLE READ
        // would read the audit chain's last row from the transaction's first snapshot).
        session << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ANSI_QUOTES,NO_BACKSLASH_ESCAPES,"
                   "NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                   "NO_ENGINE_SUBSTITUTION'";
        session << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
        // Like SQLite's busy_timeout: a row lock waited for longer is DatabaseUnavailable
        // (1205). An integer from the configuration, never text from a request.
        session << "SET SESSION innodb_lock_wait_timeout = "
                + std::to_string(std::max(1, (config.busyTimeoutMs + 999) / 1000));
    }

    const char* beginWrite() const override { return "BEGIN"; }

    std::vector<std::string> migrationStatements(
        const std::vector<std::string>& statements) const override
    {
        return mariadbSchemaStatements(statements);
    }

    std::string onConflictUpdate(std::string_view, std::string_view assignments) const override
    {
        return " ON DUPLICATE KEY UPDATE " + std::string(assignments);
    }

    std::string proposedValue(std::string_view column) const override
    {
        return "VALUES(" + std::string(column) + ")";
    }

    // A named lock held by the migrator's session (released with it, too). GET_LOCK answers 1
    // when it got the lock, 0 after the timeout.
    void lockMigrations(soci::session& session) const override
    {
        int got = 0;
        soci::indicator indicator = soci::i_null;
        session << "SELECT GET_LOCK('certgate.migrations', 600)", soci::into(got, indicator);
        if (indicator != soci::i_ok || got != 1)
            throw core::Error(core::ErrorCode::DatabaseUnavailable,
                "migration lock: another migrator held certgate.migrations for 600 s");
    }

    void unlockMigrations(soci::session& session) const override
    {
        session << "DO RELEASE_LOCK('certgate.migrations')";
    }

    // MariaDB's named locks belong to the session, not the transaction: the chain is
    // serialised by a row lock instead, which InnoDB holds until the transaction ends (one
    // row of counters, created by the first append, its value never changed).
    void lockAuditChain(soci::session& session) const override
    {
        session << "INSERT INTO counters (name, value) VALUES ('certgate.audit-chain-lock', 0) "
                   "ON DUPLICATE KEY UPDATE value = counters.value";
    }

    bool hasTable(soci::session& session, const std::string& table) const override
    {
        return hasInformationSchemaTable(session, "DATABASE()", table);
    }

    // 1062 ER_DUP_ENTRY: "Duplicate entry '...' for key 'name'".
    bool isUniqueViolation(const soci::soci_error& error, const UniqueKey& key) const override
    {
        const auto* mysqlError = dynamic_cast<const soci::mysql_soci_error*>(&error);
        if (!mysqlError || mysqlError->err_num_ != 1062)
            return false;
        const std::string name(key.name);
        const auto indexName = name.ends_with("_pk") ? std::string("PRIMARY") : name;
        const auto& message = error.get_error_message();
        return message.ends_with("for key '" + indexName + "'")
            || message.ends_with("." + indexName + "'");
    }

    bool isUnavailable(const soci::soci_error& error) const override
    {
        const auto* mysqlError = dynamic_cast<const soci::mysql_soci_error*>(&error);
        return isSociConnectionError(error) || (mysqlError && isTransient(mysqlError->err_num_));
    }

private:
    static bool isTransient(unsigned int code)
    {
        switch (code) {
        case 2002: // CR_CONNECTION_ERROR (socket)
        case 2003: // CR_CONN_HOST_ERROR (TCP)
        case 2006: // CR_SERVER_GONE_ERROR
        case 2013: // CR_SERVER_LOST
        case 2055: // CR_SERVER_LOST_EXTENDED
        case 1040: // ER_CON_COUNT_ERROR: no connection slot left
        case 1053: // ER_SERVER_SHUTDOWN
        case 1205: // ER_LOCK_WAIT_TIMEOUT
        case 1213: // ER_LOCK_DEADLOCK: the transaction was rolled back
        case 1927: // ER_CONNECTION_KILLED
        case 4031: // ER_CLIENT_INTERACTION_TIMEOUT
            return true;
        default:
            return false;
        }
    }
};

} // namespace

std::unique_ptr<Dialect> makeMariadbDialect()
{
    return std::make_unique<MariadbDialect>();
}

} // namespace certgate::db
