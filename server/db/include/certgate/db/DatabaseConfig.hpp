#pragma once

#include <cstddef>
#include <string>

namespace certgate::db {

/// Where the records live. `connection` is a SOCI connect string: for SQLite
/// "db=/var/lib/certgate/certgate.db" (a file: every pooled connection must see the same
/// database), for PostgreSQL a libpq string such as
/// "host=127.0.0.1 port=5432 dbname=certgate user=certgate password=...", for MariaDB SOCI's
/// MySQL string of the same keys ("host=127.0.0.1 port=3306 dbname=certgate user=certgate
/// password=...", also unix_socket=..., charset=..., connect_timeout=...).
struct DatabaseConfig {
    std::string backend; ///< "sqlite3" | "postgresql" | "mariadb" (or "mysql", the same)
    std::string connection;
    std::size_t poolSize = 8;
    /// SQLite: how long a writer waits for another one's lock; MariaDB: for a row lock
    /// (innodb_lock_wait_timeout, whole seconds, at least one).
    int busyTimeoutMs = 5000;
    /// PostgreSQL: libpq's connect_timeout (per host of a multi-host string) when the
    /// connection string sets none, so that an unreachable host is given up on quickly
    /// instead of after the TCP timeout; 0 leaves libpq's default (wait indefinitely).
    int connectTimeoutSeconds = 5;
};

/// Where the records live, for a log line: "postgresql host=db.internal port=5432
/// dbname=certgate", "sqlite3 /var/lib/certgate/certgate.db" — never the user name, the
/// password or other options.
std::string describeDatabase(const DatabaseConfig& config);

/// PostgreSQL: `config.connection` (key=value or URI) with connect_timeout added when it
/// sets none and connectTimeoutSeconds > 0; unchanged when libpq cannot parse it (connecting
/// then fails with libpq's own message).
std::string postgresqlConnectString(const DatabaseConfig& config);

/// SQLite: the database file the connection string names ("" when it names none).
std::string sqliteFile(const DatabaseConfig& config);

} // namespace certgate::db
