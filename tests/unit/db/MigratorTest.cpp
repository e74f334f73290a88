#include "DatabaseFixture.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/Migrator.hpp>
#include <certgate/db/SociStorage.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

namespace certgate::db::test {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Runs `work`, expects core::Error with `code`, returns its detail.
template <typename Work>
std::string errorDetail(Work&& work, core::ErrorCode code = core::ErrorCode::InternalError)
{
    try {
        work();
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), code) << e.detail();
        return e.detail();
    }
    ADD_FAILURE() << "no core::Error thrown";
    return {};
}

/// "0003_name.sql"
std::string fileFor(std::int64_t version, const std::string& name)
{
    auto digits = std::to_string(version);
    return std::string(4 - std::min<std::size_t>(4, digits.size()), '0') + digits + "_" + name
        + ".sql";
}

class MigratorTest : public DatabaseTest {
protected:
    MigratorTest()
        : folder_("certgate-migrations")
    {
        for (const auto& entry : fs::directory_iterator(sourceMigrations()))
            fs::copy(entry.path(), fs::path(folder_.path()) / entry.path().filename());
    }

    Migrator migrator() { return Migrator(config(1), folder_.path(), clock_); }
    void write(const std::string& name, const std::string& text)
    {
        certgate::test::writeTextFile(folder_.file(name), text);
    }
    std::int64_t newestVersion() { return migrator().scripts().back().version; }
    /// The files in the folder (versions may leave gaps: a number reserved for another branch).
    std::size_t fileCount() { return migrator().scripts().size(); }

    certgate::test::TempDir folder_;
};

TEST_P(MigratorTest, MigratesAnEmptyDatabaseToTheNewestVersion)
{
    auto m = migrator();
    const auto scripts = m.scripts();
    ASSERT_FALSE(scripts.empty());
    EXPECT_EQ(scripts.front().fileName, "0001_initial.sql");

    const auto applied = m.migrate();

    ASSERT_EQ(applied.size(), scripts.size());
    EXPECT_EQ(applied.front(), 1);
    const auto recorded = m.applied();
    ASSERT_EQ(recorded.size(), scripts.size());
    EXPECT_EQ(recorded.front().version, 1);
    EXPECT_EQ(recorded.front().name, "initial");
    EXPECT_EQ(recorded.front().checksum, scripts.front().checksum);
    EXPECT_EQ(recorded.front().checksum.size(), 64u);
    EXPECT_EQ(recorded.front().appliedAt, T0);

    SociStorage storage(config());
    EXPECT_TRUE(storage.ping());
    EXPECT_EQ(storage.countAgencies({}), 0);
}

TEST_P(MigratorTest, ReportsNothingAppliedForANeverMigratedDatabase)
{
    EXPECT_TRUE(migrator().applied().empty());
}

TEST_P(MigratorTest, RunningAgainChangesNothing)
{
    ASSERT_FALSE(migrator().migrate().empty());
    const auto before = migrator().applied();
    clock_.advance(3600);

    EXPECT_TRUE(migrator().migrate().empty());

    const auto after = migrator().applied();
    ASSERT_EQ(after.size(), before.size());
    EXPECT_EQ(after.back().appliedAt, before.back().appliedAt);
}

TEST_P(MigratorTest, AppliesOnlyTheMissingMigrationsInOrder)
{
    const auto base = newestVersion();
    const auto files = fileCount();
    migrator().migrate();
    write(fileFor(base + 2, "second_table"),
        "CREATE TABLE second_extra (id TEXT NOT NULL PRIMARY KEY, first_id TEXT NOT NULL "
        "REFERENCES first_extra (id));\n");
    write(fileFor(base + 1, "first_table"),
        "-- a comment; with a semicolon\nCREATE TABLE first_extra (\n    id TEXT NOT NULL "
        "PRIMARY KEY,\n    note TEXT NOT NULL DEFAULT 'a;b: c'\n);\nCREATE INDEX "
        "first_extra_note_idx ON first_extra (note);\n");

    const auto applied = migrator().migrate();

    EXPECT_THAT(applied, ElementsAre(base + 1, base + 2));
    const auto recorded = migrator().applied();
    ASSERT_EQ(recorded.size(), files + 2);
    EXPECT_EQ(recorded.back().name, "second_table");
}

TEST_P(MigratorTest, RefusesWhenAnAppliedMigrationFileChanged)
{
    migrator().migrate();
    write("0001_initial.sql",
        certgate::test::readTextFile(folder_.file("0001_initial.sql")) + "-- edited\n");

    const auto detail = errorDetail([&] { migrator().migrate(); });

    EXPECT_THAT(detail, HasSubstr("0001_initial.sql changed after it was applied"));
    EXPECT_EQ(migrator().applied().size(), fileCount());
}

TEST_P(MigratorTest, RefusesADatabaseNewerThanItsMigrations)
{
    const auto base = newestVersion();
    const auto files = fileCount();
    const auto extra = fileFor(base + 1, "extra");
    write(extra, "CREATE TABLE extra (id TEXT NOT NULL PRIMARY KEY);\n");
    migrator().migrate();
    fs::remove(folder_.file(extra));

    const auto detail = errorDetail([&] { migrator().migrate(); });

    EXPECT_THAT(detail, HasSubstr("newer than the newest migration"));
    EXPECT_EQ(migrator().applied().size(), files + 1);
}

TEST_P(MigratorTest, RefusesAnAppliedMigrationWhoseFileIsGone)
{
    const auto base = newestVersion();
    write(fileFor(base + 1, "one"), "CREATE TABLE one_extra (id TEXT);\n");
    write(fileFor(base + 2, "two"), "CREATE TABLE two_extra (id TEXT);\n");
    migrator().migrate();
    fs::remove(folder_.file(fileFor(base + 1, "one")));

    EXPECT_THAT(errorDetail([&] { migrator().migrate(); }), HasSubstr("has no file"));
}

TEST_P(MigratorTest, AFailingMigrationLeavesNothingBehind)
{
    const auto base = newestVersion();
    const auto files = fileCount();
    const auto name = fileFor(base + 1, "broken");
    write(name,
        "CREATE TABLE half_done (id TEXT NOT NULL PRIMARY KEY);\nINSERT INTO half_done (id) "
        "VALUES ('x');\nTHIS IS NOT SQL;\n");

    const auto detail = errorDetail([&] { migrator().migrate(); });

    EXPECT_THAT(detail, HasSubstr(name + ", statement 3"));
    // The earlier migrations committed, the broken one left no trace: once fixed, its
    // CREATE TABLE succeeds, which it would not if half_done had survived. MariaDB commits
    // each DDL statement on its own (sql/README.md): the broken migration is not recorded,
    // but its table stays until an operator drops it.
    EXPECT_EQ(migrator().applied().size(), files);
    if (GetParam() == Backend::Mariadb) {
        EXPECT_EQ(database_.scalar("SELECT COUNT(*) FROM half_done"), "1");
        database_.scalar("DROP TABLE half_done");
    }
    write(name, "CREATE TABLE half_done (id TEXT NOT NULL PRIMARY KEY);\n");
    EXPECT_THAT(migrator().migrate(), ElementsAre(base + 1));
}

TEST_P(MigratorTest, ConcurrentMigratorsApplyEachMigrationExactlyOnce)
{
    constexpr int migrators = 4;
    std::atomic<std::size_t> appliedTotal { 0 };
    std::atomic<int> failures { 0 };
    std::vector<std::thread> threads;
    for (int i = 0; i < migrators; ++i) {
        threads.emplace_back([&] {
            try {
                appliedTotal += migrator().migrate().size();
            } catch (const std::exception& e) {
                ++failures;
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& thread : threads)
        thread.join();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(appliedTotal.load(), migrator().scripts().size());
    EXPECT_EQ(migrator().applied().size(), migrator().scripts().size());
}

CERTGATE_ON_ALL_BACKENDS(MigratorTest);

// Reading the folder needs no database.

class MigrationFolderTest : public ::testing::Test {
protected:
    Migrator migrator()
    {
        return Migrator(DatabaseConfig { "sqlite3", "db=" + folder_.file("unused.db") },
            folder_.path(), clock_);
    }
    core::ManualClock clock_ { T0 };
    certgate::test::TempDir folder_ { "certgate-migrations" };
};

TEST_F(MigrationFolderTest, OrdersScriptsByVersionAndIgnoresOtherFiles)
{
    certgate::test::writeTextFile(folder_.file("0002_b.sql"), "SELECT 2;\n");
    certgate::test::writeTextFile(folder_.file("0001_a.sql"), "SELECT 1;\n");
    certgate::test::writeTextFile(folder_.file("README.md"), "not a migration;\n");

    const auto scripts = migrator().scripts();

    ASSERT_EQ(scripts.size(), 2u);
    EXPECT_EQ(scripts[0].version, 1);
    EXPECT_EQ(scripts[0].name, "a");
    EXPECT_EQ(scripts[1].fileName, "0002_b.sql");
    EXPECT_THAT(scripts[1].statements, ElementsAre("SELECT 2"));
    EXPECT_NE(scripts[0].checksum, scripts[1].checksum);
}

TEST_F(MigrationFolderTest, RefusesABadlyNamedScript)
{
    certgate::test::writeTextFile(folder_.file("1_short.sql"), "SELECT 1;\n");
    EXPECT_THAT(errorDetail([&] { migrator().scripts(); }), HasSubstr("1_short.sql"));
}

TEST_F(MigrationFolderTest, RefusesTwoScriptsWithOneVersion)
{
    certgate::test::writeTextFile(folder_.file("0001_a.sql"), "SELECT 1;\n");
    certgate::test::writeTextFile(folder_.file("0001_b.sql"), "SELECT 1;\n");
    EXPECT_THAT(errorDetail([&] { migrator().scripts(); }), HasSubstr("version 0001"));
}

TEST_F(MigrationFolderTest, RefusesAMissingFolder)
{
    Migrator missing(DatabaseConfig { "sqlite3", "db=unused" }, folder_.file("nope"), clock_);
    EXPECT_THAT(errorDetail([&] { missing.scripts(); }), HasSubstr("does not exist"));
}

TEST_F(MigrationFolderTest, TheSourceTreeMigrationsAreWellFormed)
{
    Migrator source(DatabaseConfig { "sqlite3", "db=unused" }, sourceMigrations(), clock_);
    const auto scripts = source.scripts();
    ASSERT_FALSE(scripts.empty());
    for (std::size_t i = 0; i < scripts.size(); ++i) {
        EXPECT_EQ(scripts[i].version, static_cast<std::int64_t>(i + 1)) << "no gaps";
        EXPECT_FALSE(scripts[i].statements.empty());
    }
}

TEST(SplitSqlStatementsTest, SplitsAtSemicolonsThatEndALine)
{
    const auto statements = splitSqlStatements("CREATE TABLE a (\n  x TEXT DEFAULT ';x'\n);\n"
                                               "\nINSERT INTO a VALUES ('1'); \n");
    EXPECT_THAT(statements,
        ElementsAre("CREATE TABLE a (\n  x TEXT DEFAULT ';x'\n)", "INSERT INTO a VALUES ('1')"));
}

TEST(SplitSqlStatementsTest, DropsCommentLinesEvenWithSemicolons)
{
    const auto statements = splitSqlStatements("-- first;\n  -- indented: too;\nSELECT 1;\n"
                                               "-- trailing comment\n");
    EXPECT_THAT(statements, ElementsAre("SELECT 1"));
}

TEST(SplitSqlStatementsTest, AcceptsWindowsLineEndings)
{
    EXPECT_THAT(
        splitSqlStatements("SELECT 1;\r\nSELECT 2;\r\n"), ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, RefusesTextAfterTheLastSemicolon)
{
    EXPECT_THAT(errorDetail([] { splitSqlStatements("SELECT 1;\nSELECT 2\n"); }),
        HasSubstr("after the last ';'"));
}

} // namespace
} // namespace certgate::db::test
