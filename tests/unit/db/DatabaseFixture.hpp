#pragma once

#include <certgate/core/Clock.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/db/DatabaseConfig.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TempDir.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

namespace certgate::db::test {

using certgate::test::Backend;
using certgate::test::backendName;
using certgate::test::mariadbUrl;
using certgate::test::postgresqlUrl;

inline void PrintTo(Backend backend, std::ostream* out)
{
    *out << backendName(backend);
}

/// A database no other test sees (the shared tests/support ScratchDatabase), as the db
/// adapter's configuration.
class ScratchDatabase : public certgate::test::ScratchDatabase {
public:
    using certgate::test::ScratchDatabase::ScratchDatabase;

    DatabaseConfig config(std::size_t poolSize = 4) const
    {
        return DatabaseConfig { backendName(), connection(), poolSize };
    }
    /// PostgreSQL: the application_name of every connection made with config() (and the
    /// name of the schema).
    const std::string& name() const { return schema(); }
};

/// The code of the core::Error `work` throws (a test failure when it throws none).
template <typename Work> core::ErrorCode errorCodeOf(Work&& work)
{
    try {
        work();
    } catch (const core::Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no core::Error thrown";
    return core::ErrorCode::InvalidInput;
}

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
        return backendName(info.param);
    }
};

} // namespace certgate::db::test

/// Runs `suite` on every backend; test names start with Sqlite/, Postgresql/ or Mariadb/ (the
/// ctest labels and the server fixtures are chosen by that prefix).
#define CERTGATE_ON_ALL_BACKENDS(suite)                                                            \
    INSTANTIATE_TEST_SUITE_P(Sqlite, suite,                                                        \
        ::testing::Values(::certgate::db::test::Backend::Sqlite),                                  \
        ::certgate::db::test::BackendName {});                                                     \
    INSTANTIATE_TEST_SUITE_P(Postgresql, suite,                                                    \
        ::testing::Values(::certgate::db::test::Backend::Postgresql),                              \
        ::certgate::db::test::BackendName {});                                                     \
    INSTANTIATE_TEST_SUITE_P(Mariadb, suite,                                                       \
        ::testing::Values(::certgate::db::test::Backend::Mariadb),                                 \
        ::certgate::db::test::BackendName {})
