// Outages as SociStorage reports them: DatabaseUnavailable for a database that cannot be used
// right now, InternalError and the domain codes for everything else, the connections checked
// after an outage, and the database named in the log without its password.
#include "DatabaseFixture.hpp"
#include "Samples.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

namespace certgate::db::test {
namespace {

using core::ErrorCode;

TEST(DescribeDatabaseTest, NamesTheServerOrFileButNeverThePassword)
{
    EXPECT_EQ(describeDatabase({ "postgresql",
                  "host=db.internal port=5432 dbname=certgate user=certgate password=s3cret "
                  "application_name=x" }),
        "postgresql host=db.internal port=5432 dbname=certgate");
    EXPECT_EQ(describeDatabase(
                  { "postgresql", "postgresql://certgate:s3cret@db.internal:5432/certgate?ssl=1" }),
        "postgresql postgresql://db.internal:5432/certgate");
    EXPECT_EQ(describeDatabase({ "sqlite3", "db=/var/lib/certgate/certgate.db timeout=5" }),
        "sqlite3 /var/lib/certgate/certgate.db");
}

class SqliteOutageTest : public DatabaseTest { };

TEST_P(SqliteOutageTest, AWriteLockHeldPastTheBusyTimeoutIsUnavailableAndPassesWhenReleased)
{
    migrate();
    auto settings = config(2);
    settings.busyTimeoutMs = 100;
    SociStorage storage(settings);
    storage.upsertAgency(agency("A0001"));

    soci::session holder(*soci::factory_sqlite3(), settings.connection);
    holder << "BEGIN EXCLUSIVE";
    EXPECT_EQ(errorCodeOf([&] { storage.upsertAgency(agency("A0002")); }),
        ErrorCode::DatabaseUnavailable);
    holder << "ROLLBACK";

    storage.upsertAgency(agency("A0002"));
    EXPECT_TRUE(storage.findAgency("A0002"));
    EXPECT_TRUE(storage.ping());
}

TEST_P(SqliteOutageTest, AConstraintViolationStaysWhatItIs)
{
    migrate();
    SociStorage storage(config(1));
    EXPECT_EQ(errorCodeOf([&] { storage.insertOrgCertificate(orgCertificate("oc-1", "NOPE")); }),
        ErrorCode::InternalError)
        << "a foreign key violation is a bug, not an outage";
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, SqliteOutageTest, ::testing::Values(Backend::Sqlite), BackendName {});

class PostgresqlOutageTest : public DatabaseTest { };

TEST_P(PostgresqlOutageTest, AfterOneCallFindsItsConnectionDroppedTheOthersAreCheckedFirst)
{
    migrate();
    SociStorage storage(config(4));
    storage.upsertAgency(agency("A0001"));
    soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
    int terminated = 0;
    admin << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "application_name = :name",
        soci::use(database_.name()), soci::into(terminated);
    ASSERT_EQ(terminated, 4);

    EXPECT_EQ(errorCodeOf([&] { storage.findAgency("A0001"); }), ErrorCode::DatabaseUnavailable);
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(storage.findAgency("A0001"))
            << "every other broken connection is reopened before it is used";
    EXPECT_EQ(errorCodeOf([&] { storage.insertOrgCertificate(orgCertificate("oc-1", "NOPE")); }),
        ErrorCode::InternalError)
        << "a foreign key violation is a bug, not an outage";
}

INSTANTIATE_TEST_SUITE_P(
    Postgresql, PostgresqlOutageTest, ::testing::Values(Backend::Postgresql), BackendName {});

} // namespace
} // namespace certgate::db::test
