// Outages as SociStorage reports them: DatabaseUnavailable for a database that cannot be used
// right now, InternalError and the domain codes for everything else, the connections checked
// after an outage, and the database named in the log without its password.
#include "DatabaseFixture.hpp"
#include "Samples.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <vector>

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
    EXPECT_EQ(describeDatabase({ "mariadb",
                  "host=db.internal port=3306 dbname=certgate user=certgate password=s3cret" }),
        "mariadb host=db.internal port=3306 dbname=certgate");
    EXPECT_EQ(describeDatabase({ "sqlite3", "db=/var/lib/certgate/certgate.db timeout=5" }),
        "sqlite3 /var/lib/certgate/certgate.db");
}

TEST(PostgresqlConnectStringTest, AddsAConnectTimeoutUnlessTheStringSetsOne)
{
    DatabaseConfig config { "postgresql",
        "host=127.0.0.1,127.0.0.1 port=55510,55511 dbname=certgate "
        "target_session_attrs=read-write" };
    EXPECT_EQ(postgresqlConnectString(config), config.connection + " connect_timeout=5");
    config.connectTimeoutSeconds = 2;
    config.connection = "postgresql://certgate@db1:5432,db2:5432/certgate";
    EXPECT_EQ(postgresqlConnectString(config), config.connection + "?connect_timeout=2");
    config.connection += "?target_session_attrs=read-write";
    EXPECT_EQ(postgresqlConnectString(config), config.connection + "&connect_timeout=2");
    config.connection = "host=db connect_timeout=30";
    EXPECT_EQ(postgresqlConnectString(config), config.connection) << "the string's own wins";
    config.connection = "host=db";
    config.connectTimeoutSeconds = 0;
    EXPECT_EQ(postgresqlConnectString(config), "host=db") << "0: libpq's default";
}

/// Another connection holds a write lock on agency A0001 (SQLite: the whole database) until
/// release().
class LockHolder {
public:
    LockHolder(Backend backend, const std::string& connection)
        : session_(backend == Backend::Sqlite ? *soci::factory_sqlite3() : *soci::factory_mysql(),
            connection)
    {
        if (backend == Backend::Sqlite) {
            session_ << "BEGIN EXCLUSIVE";
        } else {
            session_ << "BEGIN";
            session_ << "UPDATE agencies SET name = 'held' WHERE code = 'A0001'";
        }
    }
    void release() { session_ << "ROLLBACK"; }

private:
    soci::session session_;
};

class LockOutageTest : public DatabaseTest { };

// SQLite: SQLITE_BUSY after busy_timeout; MariaDB: lock wait timeout (1205).
TEST_P(LockOutageTest, AWriteLockHeldPastTheBusyTimeoutIsUnavailableAndPassesWhenReleased)
{
    migrate();
    auto settings = config(2);
    settings.busyTimeoutMs = GetParam() == Backend::Sqlite ? 100 : 1000;
    SociStorage storage(settings);
    storage.upsertAgency(agency("A0001"));

    LockHolder holder(GetParam(), settings.connection);
    EXPECT_EQ(errorCodeOf([&] { storage.upsertAgency(agency("A0001")); }),
        ErrorCode::DatabaseUnavailable);
    holder.release();

    storage.upsertAgency(agency("A0001"));
    EXPECT_EQ(storage.findAgency("A0001")->name, agency("A0001").name);
    EXPECT_TRUE(storage.ping());
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, LockOutageTest, ::testing::Values(Backend::Sqlite), BackendName {});
INSTANTIATE_TEST_SUITE_P(
    Mariadb, LockOutageTest, ::testing::Values(Backend::Mariadb), BackendName {});

class SqliteOutageTest : public DatabaseTest { };

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

class DroppedConnectionsTest : public DatabaseTest {
protected:
    /// The server ends every connection of this test's database; returns how many.
    int dropConnections()
    {
        if (GetParam() == Backend::Postgresql) {
            soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
            int terminated = 0;
            admin << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                     "application_name = :name",
                soci::use(database_.name()), soci::into(terminated);
            return terminated;
        }
        soci::session admin(*soci::factory_mysql(), mariadbUrl());
        std::vector<long long> ids(16);
        admin << "SELECT id FROM information_schema.processlist WHERE db = :name",
            soci::use(database_.name()), soci::into(ids);
        for (const auto id : ids)
            admin << "KILL CONNECTION " + std::to_string(id);
        return static_cast<int>(ids.size());
    }
};

TEST_P(DroppedConnectionsTest, AfterOneCallFindsItsConnectionDroppedTheOthersAreCheckedFirst)
{
    migrate();
    SociStorage storage(config(4));
    storage.upsertAgency(agency("A0001"));
    ASSERT_EQ(dropConnections(), 4);

    EXPECT_EQ(errorCodeOf([&] { storage.findAgency("A0001"); }), ErrorCode::DatabaseUnavailable);
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(storage.findAgency("A0001"))
            << "every other broken connection is reopened before it is used";
    EXPECT_EQ(errorCodeOf([&] { storage.insertOrgCertificate(orgCertificate("oc-1", "NOPE")); }),
        ErrorCode::InternalError)
        << "a foreign key violation is a bug, not an outage";
}

INSTANTIATE_TEST_SUITE_P(
    Postgresql, DroppedConnectionsTest, ::testing::Values(Backend::Postgresql), BackendName {});
INSTANTIATE_TEST_SUITE_P(
    Mariadb, DroppedConnectionsTest, ::testing::Values(Backend::Mariadb), BackendName {});

} // namespace
} // namespace certgate::db::test
