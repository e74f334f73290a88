#include "DatabaseFixture.hpp"

#include <certgate/db/Migrator.hpp>
#include <certgate/test/TestPki.hpp>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>

namespace certgate::db::test {

namespace {

/// Runs the test cluster's script and returns what it printed. (popen reads to the end of
/// the output; certgate::test::run may return before its reader drained the pipe.)
std::string urlFromScript()
{
    const auto command = "'" + certgate::test::sourceDir() + "/scripts/test-postgres.sh' url";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        throw std::runtime_error("cannot run " + command);
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe))
        output += buffer;
    if (pclose(pipe) != 0)
        throw std::runtime_error(command + " failed: " + output);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    return output;
}

} // namespace

std::string postgresqlUrl()
{
    static const std::string url = [] {
        const char* fromEnv = std::getenv("CERTGATE_TEST_PG_URL");
        auto found = fromEnv && *fromEnv ? std::string(fromEnv) : urlFromScript();
        if (found.find("dbname=") == std::string::npos)
            throw std::runtime_error(
                "no PostgreSQL connection string for the tests: '" + found + "'");
        return found;
    }();
    return url;
}

std::filesystem::path sourceMigrations()
{
    return CERTGATE_SQL_SOURCE_DIR;
}

ScratchDatabase::ScratchDatabase(Backend backend)
    : backend_(backend)
    , dir_("certgate-db-test")
{
    if (backend_ == Backend::Sqlite) {
        connection_ = "db=" + dir_.file("certgate.db");
        return;
    }
    std::random_device random;
    std::ostringstream name;
    name << "t_" << std::hex << random() << random();
    schema_ = name.str();
    try {
        soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
        // The schema name is made here from hex digits; identifiers cannot be bound.
        admin << "CREATE SCHEMA " + schema_;
    } catch (const soci::soci_error& e) {
        throw std::runtime_error(std::string("test PostgreSQL unreachable (ctest starts it through "
                                             "the postgres fixture; by hand: "
                                             "scripts/test-postgres.sh start): ")
            + e.what());
    }
    connection_ = postgresqlUrl() + " application_name=" + schema_
        + " options='-c search_path=" + schema_ + "'";
}

ScratchDatabase::~ScratchDatabase()
{
    if (schema_.empty())
        return;
    try {
        soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
        admin << "SET client_min_messages TO WARNING";
        admin << "DROP SCHEMA " + schema_ + " CASCADE";
    } catch (const std::exception& e) {
        ADD_FAILURE() << "could not drop test schema " << schema_ << ": " << e.what();
    }
}

DatabaseConfig ScratchDatabase::config(std::size_t poolSize) const
{
    DatabaseConfig config;
    config.backend = backend_ == Backend::Sqlite ? "sqlite3" : "postgresql";
    config.connection = connection_;
    config.poolSize = poolSize;
    return config;
}

void DatabaseTest::migrate()
{
    Migrator migrator(config(1), sourceMigrations(), clock_);
    migrator.migrate();
}

} // namespace certgate::db::test
