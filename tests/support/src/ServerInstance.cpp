#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Object.h>
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

std::string postgresqlUrl()
{
    static std::once_flag once;
    static std::string url;
    std::call_once(once, [] {
        if (const char* fromEnv = std::getenv("CERTGATE_TEST_PG_URL"); fromEnv && *fromEnv) {
            url = fromEnv;
            return;
        }
        auto result = run(sourceDir() + "/scripts/test-postgres.sh", { "url" });
        if (result.exitCode != 0)
            throw std::runtime_error("scripts/test-postgres.sh url failed: " + result.output);
        while (!result.output.empty()
            && (result.output.back() == '\n' || result.output.back() == '\r'))
            result.output.pop_back();
        url = result.output;
    });
    return url;
}

ScratchDatabase::ScratchDatabase(Backend backend)
    : ScratchDatabase(backend, backend == Backend::Postgresql ? postgresqlUrl() : std::string())
{
}

ScratchDatabase::ScratchDatabase(Backend backend, std::string postgresqlUrl)
    : backend_(backend)
    , postgresqlUrl_(std::move(postgresqlUrl))
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
    try {
        soci::session admin(*soci::factory_postgresql(), postgresqlUrl_);
        // The schema name is made here from hex digits; identifiers cannot be bound.
        admin << "CREATE SCHEMA " + schema_;
    } catch (const soci::soci_error& e) {
        throw std::runtime_error(
            std::string("test PostgreSQL unreachable (ctest starts it through the postgres "
                        "fixture; by hand: scripts/test-postgres.sh start): ")
            + e.what());
    }
    connection_ = postgresqlUrl_ + " application_name=" + schema_
        + " options='-c search_path=" + schema_ + "'";
}

ScratchDatabase::~ScratchDatabase()
{
    if (schema_.empty())
        return;
    try {
        soci::session admin(*soci::factory_postgresql(), postgresqlUrl_);
        admin << "SET client_min_messages TO WARNING";
        admin << "DROP SCHEMA " + schema_ + " CASCADE";
    } catch (const std::exception&) {
        // A schema left behind is dropped with the test cluster.
    }
}

std::string ScratchDatabase::scalar(const std::string& sql) const
{
    std::unique_ptr<soci::session> session;
    if (backend_ == Backend::Sqlite)
        session = std::make_unique<soci::session>(*soci::factory_sqlite3(), connection_);
    else
        session = std::make_unique<soci::session>(*soci::factory_postgresql(), connection_);
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
