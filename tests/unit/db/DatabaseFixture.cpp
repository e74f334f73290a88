#include "DatabaseFixture.hpp"

#include <certgate/db/Migrator.hpp>

namespace certgate::db::test {

std::filesystem::path sourceMigrations()
{
    return CERTGATE_SQL_SOURCE_DIR;
}

void DatabaseTest::migrate()
{
    Migrator migrator(config(1), sourceMigrations(), clock_);
    migrator.migrate();
}

} // namespace certgate::db::test
