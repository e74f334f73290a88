#pragma once

#include <certgate/core/Clock.hpp>
#include <certgate/db/DatabaseConfig.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace certgate::db {

/// One migration file, `NNNN_name.sql`.
struct MigrationScript {
    std::int64_t version = 0;
    std::string name; ///< file name without the version and ".sql": "initial"
    std::string fileName; ///< "0001_initial.sql"
    std::string checksum; ///< SHA-256 of the file's bytes, lowercase hex
    std::vector<std::string> statements;
};

/// One row of schema_migrations.
struct AppliedMigration {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::int64_t appliedAt = 0;
};

/// Brings a database up to the migrations in a folder (sql/README.md). Each missing
/// migration runs in its own transaction and is recorded in schema_migrations. Refuses, with
/// core::Error(InternalError) and nothing changed, when an applied migration's file changed
/// or is gone, or when the database is newer than the newest file. Several processes may
/// migrate the same database at once: PostgreSQL serialises them with an advisory lock,
/// SQLite with BEGIN IMMEDIATE; each migration is applied exactly once.
class Migrator {
public:
    /// `folder` holds the NNNN_*.sql files; `clock` stamps applied_at and must outlive this.
    Migrator(DatabaseConfig config, std::filesystem::path folder, const core::Clock& clock);

    /// The migration files, in version order. Throws core::Error(InternalError) on a badly
    /// named file, a duplicate version or a file that cannot be split into statements.
    std::vector<MigrationScript> scripts() const;

    /// Applies the missing migrations; returns the versions this call applied (empty when the
    /// database was current).
    std::vector<std::int64_t> migrate();

    /// What the database has recorded (empty for a database never migrated).
    std::vector<AppliedMigration> applied();

private:
    DatabaseConfig config_;
    std::filesystem::path folder_;
    const core::Clock& clock_;
};

/// Splits a migration file into statements: full-line `--` comments dropped, a statement ends
/// with `;` at the end of a line. Throws core::Error(InternalError) on text after the last `;`.
std::vector<std::string> splitSqlStatements(const std::string& text);

} // namespace certgate::db
