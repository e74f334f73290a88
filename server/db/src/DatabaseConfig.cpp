#include <certgate/db/DatabaseConfig.hpp>

#include <libpq-fe.h>
#include <memory>
#include <sstream>

namespace certgate::db {
namespace {

// libpq key=value pairs: the ones that say where; user, password and the rest are left out.
std::string describeKeywordString(const std::string& connection)
{
    static constexpr const char* where[] = { "host", "hostaddr", "port", "dbname" };
    std::istringstream words(connection);
    std::string word;
    std::string out;
    while (words >> word) {
        const auto equals = word.find('=');
        if (equals == std::string::npos)
            continue;
        const auto key = word.substr(0, equals);
        for (const auto* wanted : where)
            if (key == wanted)
                out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

// postgresql://user:secret@host:port/dbname?options: without the user information and the
// options.
std::string describeUri(const std::string& connection)
{
    auto rest = connection.substr(connection.find("://") + 3);
    rest = rest.substr(0, rest.find('?'));
    if (const auto at = rest.rfind('@'); at != std::string::npos)
        rest = rest.substr(at + 1);
    return connection.substr(0, connection.find("://") + 3) + rest;
}

std::string sqliteFileOf(const std::string& connection)
{
    std::istringstream words(connection);
    std::string word;
    while (words >> word)
        if (word.starts_with("db=") || word.starts_with("dbname="))
            return word.substr(word.find('=') + 1);
    return connection.find('=') == std::string::npos ? connection : std::string("(file)");
}

} // namespace

std::string describeDatabase(const DatabaseConfig& config)
{
    if (config.backend == "sqlite3")
        return "sqlite3 " + sqliteFileOf(config.connection);
    if (config.connection.find("://") != std::string::npos)
        return config.backend + " " + describeUri(config.connection);
    return config.backend + " " + describeKeywordString(config.connection);
}

std::string postgresqlConnectString(const DatabaseConfig& config)
{
    if (config.connectTimeoutSeconds <= 0)
        return config.connection;
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(config.connection.c_str(), &error), &PQconninfoFree);
    PQfreemem(error);
    if (!options)
        return config.connection;
    for (const auto* option = options.get(); option->keyword; ++option)
        if (std::string_view(option->keyword) == "connect_timeout" && option->val)
            return config.connection;
    const auto timeout = "connect_timeout=" + std::to_string(config.connectTimeoutSeconds);
    if (config.connection.find("://") == std::string::npos)
        return config.connection + (config.connection.empty() ? "" : " ") + timeout;
    return config.connection + (config.connection.find('?') == std::string::npos ? "?" : "&")
        + timeout;
}

std::string sqliteFile(const DatabaseConfig& config)
{
    auto file = sqliteFileOf(config.connection);
    return file == "(file)" ? std::string {} : file;
}

} // namespace certgate::db
