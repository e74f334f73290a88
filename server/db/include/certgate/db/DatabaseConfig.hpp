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
};

/// Where the records live, for a log line: "postgresql host=db.internal port=5432
/// dbname=certgate", "sqlite3 /var/lib/certgate/certgate.db" — never the user name, the
/// password or other options.
std::string describeDatabase(const DatabaseConfig& config);

/// SQLite: the database file the connection string names ("" when it names none).
std::string sqliteFile(const DatabaseConfig& config);

} // namespace certgate::db
