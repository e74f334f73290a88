#include "DatabaseFixture.hpp"
#include "Samples.hpp"
#include "StorageTest.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <stdexcept>

namespace certgate::db::test {
namespace {

using core::ErrorCode;

class SociStorageTest : public StorageTest { };

// Transactions

TEST_P(SociStorageTest, ATransactionCommitsEveryWrite)
{
    storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.upsertAgency(agency("A0002"));
        EXPECT_TRUE(tx.findAgency("A0001")) << "reads its own writes";
    });
    EXPECT_TRUE(storage_->findAgency("A0001"));
    EXPECT_TRUE(storage_->findAgency("A0002"));
}

TEST_P(SociStorageTest, ATransactionThatThrowsLeavesNothingHalfWritten)
{
    struct Boom : std::runtime_error {
        Boom()
            : std::runtime_error("boom")
        {
        }
    };
    EXPECT_THROW(storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.upsertAgency(agency("A0002"));
        throw Boom();
    }),
        Boom);
    EXPECT_FALSE(storage_->findAgency("A0001"));
    EXPECT_FALSE(storage_->findAgency("A0002"));
    EXPECT_EQ(storage_->countAgencies({}), 0);
}

TEST_P(SociStorageTest, ADatabaseErrorInATransactionRollsBackTheEarlierWrites)
{
    seedAgency();
    storage_->insertOperator(op("o-1", "A0001", "0001"));
    EXPECT_EQ(errorCodeOf([&] {
        storage_->transaction([](core::Storage& tx) {
            tx.upsertAgency(agency("B0001"));
            tx.insertOperator(op("o-2", "A0001", "0001"));
        });
    }),
        ErrorCode::DuplicateOperator);
    EXPECT_FALSE(storage_->findAgency("B0001"));
    EXPECT_FALSE(storage_->findOperator("o-2"));
}

TEST_P(SociStorageTest, ANestedTransactionJoinsTheOuterOne)
{
    EXPECT_THROW(storage_->transaction([](core::Storage& tx) {
        tx.upsertAgency(agency("A0001"));
        tx.transaction([](core::Storage& inner) { inner.upsertAgency(agency("A0002")); });
        EXPECT_TRUE(tx.findAgency("A0002"));
        tx.purgeExpired(T0); // opens no transaction of its own inside one
        throw std::logic_error("abort the outer one");
    }),
        std::logic_error);
    EXPECT_FALSE(storage_->findAgency("A0001"));
    EXPECT_FALSE(storage_->findAgency("A0002"));

    storage_->transaction([](core::Storage& tx) {
        tx.transaction([](core::Storage& inner) { inner.upsertAgency(agency("A0003")); });
    });
    EXPECT_TRUE(storage_->findAgency("A0003"));
}

TEST_P(SociStorageTest, TheStorageKeepsWorkingAfterAFailedTransaction)
{
    for (int i = 0; i < 10; ++i) {
        EXPECT_ANY_THROW(storage_->transaction([](core::Storage& tx) {
            tx.upsertAgency(agency("A0001"));
            tx.insertOperator(op("o-1", "NOAGENCY", "01"));
        }));
    }
    storage_->upsertAgency(agency("A0009"));
    EXPECT_EQ(storage_->countAgencies({}), 1);
}

TEST_P(SociStorageTest, NamesItsBackendAndAnswersPing)
{
    EXPECT_EQ(storage_->backend(), backendName(GetParam()));
    EXPECT_TRUE(storage_->ping());
}

CERTGATE_ON_ALL_BACKENDS(SociStorageTest);

class SociStoragePostgresqlTest : public SociStorageTest { };

TEST_P(SociStoragePostgresqlTest, ReopensAConnectionTheServerDropped)
{
    seedAgency();
    soci::session admin(*soci::factory_postgresql(), postgresqlUrl());
    int terminated = 0;
    admin << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "application_name = :name",
        soci::use(database_.name()), soci::into(terminated);
    ASSERT_EQ(terminated, 4) << "the whole pool";

    EXPECT_EQ(errorCodeOf([&] { storage_->findAgency("A0001"); }), ErrorCode::DatabaseUnavailable)
        << "the request that finds the connection broken fails, as an outage";
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(storage_->findAgency("A0001")) << "the next ones work again";
}

INSTANTIATE_TEST_SUITE_P(
    Postgresql, SociStoragePostgresqlTest, ::testing::Values(Backend::Postgresql), BackendName {});

// Configuration errors and SQLite's connection set-up.

TEST(SociStorageOpenTest, RefusesAnUnknownBackend)
{
    try {
        SociStorage storage(DatabaseConfig { "oracle", "db=x", 1 });
        FAIL() << "opened";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
        EXPECT_THAT(e.detail(), ::testing::HasSubstr("oracle"));
    }
}

TEST(SociStorageOpenTest, RefusesAnInMemorySqliteDatabase)
{
    EXPECT_EQ(errorCodeOf([] {
        SociStorage storage(DatabaseConfig { "sqlite3", "db=:memory:", 2 });
    }),
        ErrorCode::InternalError);
}

TEST(SociStorageOpenTest, AnUnreachableDatabaseIsUnavailable)
{
    certgate::test::TempDir dir;
    EXPECT_EQ(errorCodeOf([&] {
        SociStorage storage(DatabaseConfig { "sqlite3", "db=" + dir.file("no/such/dir/x.db"), 1 });
    }),
        ErrorCode::DatabaseUnavailable);
}

TEST(SociStorageOpenTest, SqliteDatabasesAreSwitchedToWal)
{
    ScratchDatabase database(Backend::Sqlite);
    const auto config = database.config(2);
    SociStorage storage(config);

    soci::session raw(*soci::factory_sqlite3(), config.connection);
    std::string mode;
    raw << "PRAGMA journal_mode", soci::into(mode);
    EXPECT_EQ(mode, "wal") << "WAL is a property of the file once set";
}

} // namespace
} // namespace certgate::db::test
