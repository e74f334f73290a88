#pragma once

#include <string>
#include <vector>

namespace certgate::db {

/// The statements of one migration file (the common subset of sql/README.md) as MariaDB runs
/// them; statements it does not recognise are passed on unchanged.
/// - A TEXT column that is a key (primary, unique, foreign, indexed or referenced, anywhere
///   in the file) is VARCHAR(255): InnoDB keys need a bounded length.
/// - A partial unique index (`WHERE cond`) is a unique index over its columns and a virtual
///   column `<index>_when`, 1 where `cond` holds and NULL elsewhere (NULLs never conflict);
///   a partial plain index is a full one.
/// - Tables are InnoDB in utf8mb4 with the binary collation (PostgreSQL's "C" and SQLite
///   compare bytes); identifiers MariaDB reserves ("key") are quoted.
std::vector<std::string> mariadbSchemaStatements(const std::vector<std::string>& statements);

} // namespace certgate::db
