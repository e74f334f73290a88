#pragma once

#include <certgate/db/DatabaseConfig.hpp>

#include <cstdint>
#include <string>

namespace certgate::db {

struct BackupResult {
    std::string file;
    std::uintmax_t bytes = 0;
    /// "sqlite3 online backup" | "pg_dump --format=custom" | "mariadb-dump --single-transaction"
    std::string method;
};

/// A consistent copy of the whole database in `to`, taken while the server goes on serving.
/// SQLite: the online backup API in one read transaction (every write committed before it began
/// is in the copy, none after), written to a temporary file, checked (integrity_check, the
/// schema_migrations table) and renamed into place. PostgreSQL: pg_dump in its custom format
/// (one snapshot; the search_path schema of the connection string only, when it names one).
/// MariaDB: mariadb-dump --single-transaction of the connection string's database (one InnoDB
/// snapshot; SQL text).
/// Refuses to overwrite an existing `to`. Throws std::runtime_error naming what failed.
BackupResult backupDatabase(const DatabaseConfig& config, const std::string& to);

/// Puts a backup made by backupDatabase back as the configured database. SQLite: the file is
/// checked first, then copied into the configured database with the online backup API (one
/// write transaction: a reader sees the old or the new records, never a mixture). PostgreSQL:
/// pg_restore --clean --if-exists --single-transaction. MariaDB: the dump run by the `mariadb`
/// client, which drops and recreates table by table (DDL is not transactional there). Stop the
/// servers first: requests in flight would act on records that are being replaced.
void restoreDatabase(const DatabaseConfig& config, const std::string& from);

} // namespace certgate::db
