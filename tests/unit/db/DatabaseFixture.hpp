#pragma once

#include <certgate/core/Clock.hpp>
#include <certgate/db/DatabaseConfig.hpp>
#include <certgate/test/TempDir.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

namespace certgate::db::test {

enum class Backend { Sqlite, Postgresql };

inline void PrintTo(Backend backend, std::ostream* out)
{
    *out << (backend == Backend::Sqlite ? "sqlite3" : "postgresql");
}

/// A database no other test sees: a new SQLite file, or a new schema (on the search_path of
/// every connection) in the test cluster of scripts/test-postgres.sh. Dropped at the end.
class ScratchDatabase {
public:
    explicit ScratchDatabase(Backend backend);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    DatabaseConfig config(std::size_t poolSize = 4) const;
    /// PostgreSQL: the application_name of every connection made with config() (and the
    /// name of the schema).
    const std::string& name() const { return schema_; }

private:
    Backend backend_;
    certgate::test::TempDir dir_;
    std::string schema_;
    std::string connection_;
};

/// The test cluster's connection string: $CERTGATE_TEST_PG_URL, else what
/// `scripts/test-postgres.sh url` prints (it honours CERTGATE_PG_PORT).
std::string postgresqlUrl();

/// The migrations of this source tree.
std::filesystem::path sourceMigrations();

constexpr std::int64_t T0 = 1764201600; // 2025-11-27 00:00:00 UTC

/// Base of the suites that run once per backend.
class DatabaseTest : public ::testing::TestWithParam<Backend> {
protected:
    DatabaseTest()
        : database_(GetParam())
    {
    }

    DatabaseConfig config(std::size_t poolSize = 4) const { return database_.config(poolSize); }
    /// Brings the scratch database to the newest schema.
    void migrate();

    core::ManualClock clock_ { T0 };
    ScratchDatabase database_;
};

struct BackendName {
    std::string operator()(const ::testing::TestParamInfo<Backend>& info) const
    {
        return info.param == Backend::Sqlite ? "sqlite3" : "postgresql";
    }
};

} // namespace certgate::db::test

/// Runs `suite` on both backends; test names start with Sqlite/ or Postgresql/ (the ctest
/// labels and the postgres fixture are chosen by that prefix).
#define CERTGATE_ON_BOTH_BACKENDS(suite)                                                           \
    INSTANTIATE_TEST_SUITE_P(Sqlite, suite,                                                        \
        ::testing::Values(::certgate::db::test::Backend::Sqlite),                                  \
        ::certgate::db::test::BackendName {});                                                     \
    INSTANTIATE_TEST_SUITE_P(Postgresql, suite,                                                    \
        ::testing::Values(::certgate::db::test::Backend::Postgresql),                              \
        ::certgate::db::test::BackendName {})
