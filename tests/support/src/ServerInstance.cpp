#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Object.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>

namespace certgate::test {

std::string certgateBinary()
{
    return binaryDir() + "/bin/certgate";
}

std::string backendName(Backend backend)
{
    switch (backend) {
    case Backend::Sqlite:
        return "sqlite3";
    case Backend::Postgresql:
        return "postgresql";
    case Backend::Mariadb:
        return "mariadb";
    }
    return "?";
}

namespace {

/// $variable, else what `scripts/<script> url` prints: once per process.
std::string serverUrl(const char* variable, const std::string& script)
{
    if (const char* fromEnv = std::getenv(variable); fromEnv && *fromEnv)
        return fromEnv;
    auto result = run(sourceDir() + "/scripts/" + script, { "url" });
    if (result.exitCode != 0)
        throw std::runtime_error("scripts/" + script + " url failed: " + result.output);
    while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r'))
        result.output.pop_back();
    return result.output;
}

/// `connection` with its dbname=... replaced by `database`.
std::string withDatabase(const std::string& connection, const std::string& database)
{
    std::istringstream words(connection);
    std::string word;
    std::string out;
    while (words >> word)
        if (!word.starts_with("dbname=") && !word.starts_with("db="))
            out += word + " ";
    return out + "dbname=" + database;
}

std::unique_ptr<soci::session> connect(Backend backend, const std::string& connection)
{
    switch (backend) {
    case Backend::Sqlite:
        return std::make_unique<soci::session>(*soci::factory_sqlite3(), connection);
    case Backend::Postgresql:
        return std::make_unique<soci::session>(*soci::factory_postgresql(), connection);
    case Backend::Mariadb:
        return std::make_unique<soci::session>(*soci::factory_mysql(), connection);
    }
    throw std::logic_error("no such backend");
}

} // namespace

std::string postgresqlUrl()
{
    static const std::string url = serverUrl("CERTGATE_TEST_PG_URL", "test-postgres.sh");
    return url;
}

std::string defaultServerUrl(Backend backend)
{
    switch (backend) {
    case Backend::Sqlite:
        return {};
    case Backend::Postgresql:
        return postgresqlUrl();
    case Backend::Mariadb:
        return mariadbUrl();
    }
    return {};
}

std::string mariadbUrl()
{
    static const std::string url = serverUrl("CERTGATE_TEST_MARIADB_URL", "test-mariadb.sh");
    return url;
}

ScratchDatabase::ScratchDatabase(Backend backend)
    : ScratchDatabase(backend, defaultServerUrl(backend))
{
}

ScratchDatabase::ScratchDatabase(Backend backend, std::string serverUrl)
    : backend_(backend)
    , serverUrl_(std::move(serverUrl))
    , dir_("certgate-db")
{
    if (backend_ == Backend::Sqlite) {
        connection_ = "db=" + dir_.file("certgate.db");
        return;
    }
    std::random_device random;
    std::ostringstream name;
    name << "t_" << std::hex << random() << random();
    schema_ = name.str();
    const bool postgresql = backend_ == Backend::Postgresql;
    try {
        auto admin = connect(backend_, serverUrl_);
        // The name is made here from hex digits; identifiers cannot be bound.
        *admin << (postgresql
                ? "CREATE SCHEMA " + schema_
                : "CREATE DATABASE " + schema_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    } catch (const soci::soci_error& e) {
        const std::string script = postgresql ? "test-postgres.sh" : "test-mariadb.sh";
        throw std::runtime_error("test " + backendName() + " unreachable (ctest starts it through "
            + "a fixture; by hand: scripts/" + script + " start): " + e.what());
    }
    connection_ = postgresql
        ? serverUrl_ + " application_name=" + schema_ + " options='-c search_path=" + schema_ + "'"
        : withDatabase(serverUrl_, schema_);
}

ScratchDatabase::~ScratchDatabase()
{
    if (schema_.empty())
        return;
    try {
        auto admin = connect(backend_, serverUrl_);
        if (backend_ == Backend::Postgresql) {
            *admin << "SET client_min_messages TO WARNING";
            *admin << "DROP SCHEMA " + schema_ + " CASCADE";
        } else {
            *admin << "DROP DATABASE " + schema_;
        }
    } catch (const std::exception&) {
        // A schema or database left behind is dropped with the test server's data.
    }
}

std::string ScratchDatabase::scalar(const std::string& sql) const
{
    auto session = connect(backend_, connection_);
    // Tests write standard SQL: "identifiers", || concatenates.
    if (backend_ == Backend::Mariadb)
        *session << "SET SESSION sql_mode = 'ANSI'";
    soci::row row;
    *session << sql, soci::into(row);
    if (!session->got_data() || row.size() == 0 || row.get_indicator(0) == soci::i_null)
        return {};
    switch (row.get_properties(0).get_data_type()) {
    case soci::dt_string:
        return row.get<std::string>(0);
    case soci::dt_integer:
        return std::to_string(row.get<int>(0));
    case soci::dt_long_long:
        return std::to_string(row.get<long long>(0));
    case soci::dt_unsigned_long_long:
        return std::to_string(row.get<unsigned long long>(0));
    case soci::dt_double:
        return std::to_string(row.get<double>(0));
    default:
        return "?";
    }
}

ServerInstance::ServerInstance(const ScratchDatabase& database, Options options)
    : database_(database)
    , options_(std::move(options))
    , dir_("certgate-server")
{
    const auto& pki = TestPki::get();
    writeTextFile(dir_.file("pii.key"), "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
    writeTextFile(dir_.file("audit.key"), "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=\n");
    Poco::JSON::Object server;
    server.set("host", "127.0.0.1");
    server.set("port", 0);
    server.set("publicOrigin", options_.origin);
    server.set("webRoot", sourceDir() + "/web");
    if (options_.tls) {
        Poco::JSON::Object tls;
        tls.set("certificate", pki.tlsCertificate());
        tls.set("privateKey", pki.tlsPrivateKey());
        server.set("tls", tls);
    }
    Poco::JSON::Object db;
    db.set("backend", database_.backendName());
    db.set("connection", database_.connection());
    db.set("poolSize", 4);
    db.set("migrations", sourceDir() + "/sql");
    Poco::JSON::Object cas;
    cas.set("profiles", options_.caProfiles.empty() ? pki.caProfilesDir() : options_.caProfiles);
    cas.set("plugins",
        options_.plugins.empty() ? binaryDir() + "/lib/certgate/plugins" : options_.plugins);
    Poco::JSON::Object security;
    security.set("piiKeyFile", dir_.file("pii.key"));
    security.set("auditKeyFile", dir_.file("audit.key"));
    Poco::JSON::Object portal;
    portal.set("functionsFile", sourceDir() + "/conf/functions.json");
    portal.set("sectionsFile", sourceDir() + "/conf/sections.json");
    portal.set("holidaysFile", sourceDir() + "/conf/holidays.json");
    if (!options_.productionRateLimits) {
        Poco::JSON::Object limits;
        for (const char* key : { "flowsPerClient", "noncesPerClient", "cardStepsPerClient",
                 "cardStepsPerFlow", "cardStepsPerCertificate", "staffLoginsPerClient" })
            limits.set(key, 1'000'000);
        limits.set("auditRepeatedRefusalEvery", 1);
        portal.set("rateLimits", limits);
    }
    Poco::JSON::Object config;
    config.set("server", server);
    config.set("database", db);
    config.set("cas", cas);
    config.set("security", security);
    config.set("portal", portal);
    if (!options_.clockOffsetFile.empty()) {
        Poco::JSON::Object testing;
        testing.set("clockOffsetFile", options_.clockOffsetFile);
        config.set("testing", testing);
    }
    std::ostringstream text;
    config.stringify(text, 2);
    configFile_ = dir_.file("certgate.json");
    writeTextFile(configFile_, text.str());
    if (options_.demoData) {
        auto migrate = cli({ "migrate" });
        if (migrate.exitCode != 0)
            throw std::runtime_error("certgate migrate failed:\n" + migrate.output);
        auto import = cli({ "import-agencies", sourceDir() + "/conf/demo/agencies.csv" });
        if (import.exitCode != 0)
            throw std::runtime_error("certgate import-agencies failed:\n" + import.output);
        auto staff = cli(
            { "staff", "add", "--certificate", pki.card("moica-lee").signCert, "--role", "admin" });
        if (staff.exitCode != 0)
            throw std::runtime_error("certgate staff add failed:\n" + staff.output);
    }
}

ServerInstance::~ServerInstance()
{
    stop();
}

RunResult ServerInstance::cli(
    const std::vector<std::string>& args, const std::string& stdinText) const
{
    auto all = args;
    all.push_back("--config");
    all.push_back(configFile_);
    return run(certgateBinary(), all, options_.env, stdinText);
}

void ServerInstance::start()
{
    process_ = std::make_unique<ChildProcess>(certgateBinary(),
        std::vector<std::string> { "serve", "--config", configFile_ }, options_.env);
    url_ = process_->waitForListening();
}

void ServerInstance::stop()
{
    if (process_) {
        process_->signal(SIGTERM);
        process_->wait(std::chrono::seconds(10));
        process_.reset();
    }
}

void ServerInstance::kill()
{
    if (process_) {
        process_->signal(SIGKILL);
        process_->wait(std::chrono::seconds(10));
    }
}

void ServerInstance::signal(int signal)
{
    if (process_)
        process_->signal(signal);
}

bool ServerInstance::running()
{
    return process_ && process_->running();
}

std::string ServerInstance::output()
{
    return process_ ? process_->output() : std::string {};
}

} // namespace certgate::test
