#pragma once

#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/HttpClient.hpp>
#include <certgate/test/TempDir.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace certgate::test {

enum class Backend { Sqlite, Postgresql, Mariadb };

/// "sqlite3", "postgresql", "mariadb": the configuration's database.backend, and the test
/// names' parameter.
std::string backendName(Backend backend);

/// The test PostgreSQL cluster's connection string ($CERTGATE_TEST_PG_URL, else
/// `scripts/test-postgres.sh url`). ctest starts the cluster through the `postgres` fixture.
std::string postgresqlUrl();
/// The test MariaDB server's connection string ($CERTGATE_TEST_MARIADB_URL, else
/// `scripts/test-mariadb.sh url`). ctest starts the server through the `mariadb` fixture.
std::string mariadbUrl();
/// The test server of `backend` ("" for SQLite).
std::string defaultServerUrl(Backend backend);

/// A database no other test sees: a new SQLite file, a new schema in the test PostgreSQL
/// cluster (on every connection's search_path), or a new database on the test MariaDB
/// server. Dropped at the end.
class ScratchDatabase {
public:
    explicit ScratchDatabase(Backend backend);
    /// PostgreSQL, MariaDB: on the server of `serverUrl` instead of the test one.
    ScratchDatabase(Backend backend, std::string serverUrl);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    Backend backend() const { return backend_; }
    std::string backendName() const { return test::backendName(backend_); }
    const std::string& connection() const { return connection_; }
    /// PostgreSQL: the schema (also every connection's application_name); MariaDB: the
    /// database; SQLite: empty.
    const std::string& schema() const { return schema_; }
    /// Runs one SQL statement and returns the first column of the first row ("" if none).
    std::string scalar(const std::string& sql) const;

private:
    Backend backend_;
    std::string serverUrl_;
    TempDir dir_;
    std::string schema_;
    std::string connection_;
};

/// A real `certgate serve` process on a free port with a private configuration: the test
/// PKI's CA profiles, the built plugins, the conf/ catalogues, fresh secrets, and the demo
/// agencies and ops staff (moica-lee) loaded through the real CLI.
class ServerInstance {
public:
    struct Options {
        std::string origin = "https://portal.certgate.test";
        bool tls = false;
        bool demoData = true;
        std::string clockOffsetFile; ///< testing.clockOffsetFile
        std::map<std::string, std::string> env; ///< extra environment for the server
        std::string caProfiles; ///< default: the test PKI's profiles
        std::string plugins; ///< default: build/lib/certgate/plugins
        /// The production rate limits and refusal aggregation (portal.rateLimits defaults);
        /// otherwise limits far above what a test sends and every refusal audited, so tests
        /// of other things count exactly.
        bool productionRateLimits = false;
    };

    /// Shares `database` (two instances on one database share flows).
    ServerInstance(const ScratchDatabase& database, Options options);
    ~ServerInstance();

    void start();
    void stop();
    /// SIGKILL: a crash.
    void kill();
    /// Sends `signal` (e.g. SIGHUP: reload the CA profiles) to the running server.
    void signal(int signal);
    bool running();
    const std::string& url() const { return url_; }
    const std::string& origin() const { return options_.origin; }
    const std::string& configFile() const { return configFile_; }
    const std::string& dir() const { return dir_.path(); }
    std::string output();
    /// Runs `certgate <args> --config <this config>` to completion.
    RunResult cli(const std::vector<std::string>& args, const std::string& stdinText = {}) const;

private:
    const ScratchDatabase& database_;
    Options options_;
    TempDir dir_;
    std::string configFile_;
    std::string url_;
    std::unique_ptr<ChildProcess> process_;
};

std::string certgateBinary();

} // namespace certgate::test
