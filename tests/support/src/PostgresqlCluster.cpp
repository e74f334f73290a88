#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/PostgresqlCluster.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <filesystem>
#include <map>
#include <stdexcept>

namespace certgate::test {

PostgresqlCluster::PostgresqlCluster()
    : PostgresqlCluster(Options {})
{
}

PostgresqlCluster::PostgresqlCluster(Options options)
    : options_(std::move(options))
    , dir_(options_.folderPrefix)
{
    // initdb runs as `postgres` when the tests run as root: it must reach its folder.
    std::filesystem::permissions(dir_.path(),
        std::filesystem::perms::owner_all | std::filesystem::perms::group_exec
            | std::filesystem::perms::others_exec);
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = std::to_string(probe.address().port());
    probe.close();
    control("start");
}

PostgresqlCluster::~PostgresqlCluster()
{
    try {
        control("stop");
    } catch (const std::exception&) {
        // The folder goes with the TempDir; a server left running holds only a port.
    }
}

std::string PostgresqlCluster::folder() const
{
    return dir_.file("pg");
}

std::string PostgresqlCluster::script(const std::string& command, const std::string& argument) const
{
    std::map<std::string, std::string> env { { "CERTGATE_PG_DIR", folder() },
        { "CERTGATE_PG_PORT", port_ } };
    if (!options_.synchronousStandby.empty())
        env["CERTGATE_PG_SYNC_STANDBY"] = options_.synchronousStandby;
    if (options_.primary) {
        env["CERTGATE_PG_PRIMARY_DIR"] = options_.primary->folder();
        env["CERTGATE_PG_PRIMARY_PORT"] = options_.primary->port();
        env["CERTGATE_PG_STANDBY_NAME"] = options_.standbyName;
    }
    std::vector<std::string> args { command };
    if (!argument.empty())
        args.push_back(argument);
    auto result
        = run(sourceDir() + "/scripts/test-postgres.sh", args, env, {}, std::chrono::seconds(60));
    if (result.exitCode != 0)
        throw std::runtime_error("test-postgres.sh " + command + ": " + result.output);
    while (!result.output.empty() && result.output.back() == '\n')
        result.output.pop_back();
    return result.output;
}

void PostgresqlCluster::control(const std::string& command) const
{
    script(command);
}

std::string PostgresqlCluster::superuserSql(const std::string& statement) const
{
    return script("sql", statement);
}

std::string PostgresqlCluster::url() const
{
    return "host=127.0.0.1 port=" + port_
        + " dbname=certgate_test user=certgate password=certgate-test";
}

} // namespace certgate::test
