#include <certgate/db/Backup.hpp>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sqlite3.h>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace certgate::db {
namespace {

namespace fs = std::filesystem;

/// One sqlite3 connection, closed on every path.
class SqliteFile {
public:
    SqliteFile(const std::string& path, int flags)
    {
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("cannot open " + path + ": " + why);
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~SqliteFile() { sqlite3_close(db_); }
    SqliteFile(const SqliteFile&) = delete;
    SqliteFile& operator=(const SqliteFile&) = delete;

    sqlite3* handle() const { return db_; }

    /// The first column of the first row ("" when none).
    std::string scalar(const char* sql) const
    {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
        std::string value;
        if (sqlite3_step(statement) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(statement, 0);
            value = text ? reinterpret_cast<const char*>(text) : "";
        }
        sqlite3_finalize(statement);
        return value;
    }

private:
    sqlite3* db_ = nullptr;
};

/// Every page of `from` into `to`, in one step: one read transaction on the source (a
/// consistent snapshot while others write), one write transaction on the destination.
void copyPages(const SqliteFile& from, const SqliteFile& to, const std::string& what)
{
    auto* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
    if (!backup)
        throw std::runtime_error(what + ": " + sqlite3_errmsg(to.handle()));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (std::chrono::steady_clock::now() > deadline)
            break;
        sqlite3_sleep(50);
    }
    const int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        throw std::runtime_error(what + ": " + sqlite3_errstr(rc));
    if (finished != SQLITE_OK)
        throw std::runtime_error(what + ": " + sqlite3_errstr(finished));
}

/// A file that is a whole, readable certgate database.
void checkCertgateDatabase(const SqliteFile& db, const std::string& path)
{
    if (auto integrity = db.scalar("PRAGMA integrity_check"); integrity != "ok")
        throw std::runtime_error(path + " fails SQLite's integrity check: " + integrity);
    if (db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                  "'schema_migrations'")
        != "1")
        throw std::runtime_error(path + " is not a certgate database (no schema_migrations)");
}

std::string requireSqliteFile(const DatabaseConfig& config)
{
    auto file = sqliteFile(config);
    if (file.empty())
        throw std::runtime_error("the SQLite connection string names no file (db=...)");
    return file;
}

BackupResult backupSqlite(const DatabaseConfig& config, const std::string& to)
{
    const auto source = requireSqliteFile(config);
    const auto partial = to + ".partial-" + std::to_string(::getpid());
    try {
        {
            SqliteFile from(source, SQLITE_OPEN_READONLY);
            SqliteFile copy(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
            copyPages(from, copy, "backing up " + source);
            // One self-contained file: no -wal beside it.
            copy.scalar("PRAGMA journal_mode = DELETE");
            checkCertgateDatabase(copy, partial);
        }
        fs::rename(partial, to);
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
    return { to, fs::file_size(to), "sqlite3 online backup" };
}

void restoreSqlite(const DatabaseConfig& config, const std::string& from)
{
    const auto target = requireSqliteFile(config);
    SqliteFile backup(from, SQLITE_OPEN_READONLY);
    checkCertgateDatabase(backup, from);
    SqliteFile live(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    copyPages(backup, live, "restoring " + from + " into " + target);
    checkCertgateDatabase(live, target);
}

// --- PostgreSQL: the tools PostgreSQL ships --------------------------------------------------

/// The schema the connection string's options put first on the search path ("" if none).
std::string searchPathSchema(const std::string& connection)
{
    const std::string key = "search_path=";
    auto at = connection.find(key);
    if (at == std::string::npos)
        return {};
    auto begin = at + key.size();
    auto end = connection.find_first_of(",' ", begin);
    return connection.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

void runTool(const std::string& tool, const std::vector<std::string>& args,
    const Poco::Process::Env& env = {})
{
    Poco::Pipe errors;
    auto handle = Poco::Process::launch(tool, args, "", nullptr, nullptr, &errors, env);
    Poco::PipeInputStream stream(errors);
    std::string text;
    Poco::StreamCopier::copyToString(stream, text);
    if (int rc = handle.wait(); rc != 0)
        throw std::runtime_error(tool + " failed (exit " + std::to_string(rc) + "): " + text);
}

BackupResult backupPostgresql(const DatabaseConfig& config, const std::string& to)
{
    std::vector<std::string> args { "--format=custom", "--no-owner", "--file=" + to,
        "--dbname=" + config.connection };
    if (auto schema = searchPathSchema(config.connection); !schema.empty())
        args.push_back("--schema=" + schema);
    runTool("pg_dump", args);
    return { to, fs::file_size(to), "pg_dump --format=custom" };
}

void restorePostgresql(const DatabaseConfig& config, const std::string& from)
{
    runTool("pg_restore",
        { "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--dbname=" + config.connection, from });
}

// --- MariaDB: the tools MariaDB ships ---------------------------------------------------------

/// The value of `key` (or of its alias) in a SOCI MySQL connection string ("" when absent).
std::string keywordValue(const std::string& connection, std::initializer_list<const char*> keys)
{
    std::istringstream words(connection);
    std::string word;
    while (words >> word) {
        for (const auto* key : keys)
            if (word.starts_with(std::string(key) + "="))
                return word.substr(word.find('=') + 1);
    }
    return {};
}

/// The client options for the server of the connection string; the password goes through
/// the environment (MYSQL_PWD), never on a command line others can read.
std::vector<std::string> mariadbClientArgs(const DatabaseConfig& config, Poco::Process::Env& env)
{
    std::vector<std::string> args { "--no-defaults" };
    const auto& c = config.connection;
    if (auto host = keywordValue(c, { "host" }); !host.empty())
        args.push_back("--host=" + host);
    if (auto port = keywordValue(c, { "port" }); !port.empty())
        args.push_back("--port=" + port);
    if (auto socket = keywordValue(c, { "unix_socket" }); !socket.empty())
        args.push_back("--socket=" + socket);
    if (auto user = keywordValue(c, { "user" }); !user.empty())
        args.push_back("--user=" + user);
    env["MYSQL_PWD"] = keywordValue(c, { "password", "pass" });
    return args;
}

std::string mariadbDatabase(const DatabaseConfig& config)
{
    auto name = keywordValue(config.connection, { "dbname", "db", "service" });
    if (name.empty())
        throw std::runtime_error("the MariaDB connection string names no dbname");
    return name;
}

BackupResult backupMariadb(const DatabaseConfig& config, const std::string& to)
{
    Poco::Process::Env env;
    auto args = mariadbClientArgs(config, env);
    for (const auto* option : { "--single-transaction", "--skip-lock-tables", "--no-tablespaces",
             "--default-character-set=utf8mb4" })
        args.emplace_back(option);
    args.push_back("--result-file=" + to);
    args.push_back(mariadbDatabase(config));
    runTool("mariadb-dump", args, env);
    return { to, fs::file_size(to), "mariadb-dump --single-transaction" };
}

/// Refuses a file that is not mariadb-dump's dump of a certgate database (before anything is
/// changed: the client would run whatever SQL the file holds).
void checkMariadbDump(const std::string& from)
{
    std::ifstream in(from, std::ios::binary);
    std::string line;
    std::getline(in, line);
    // Since 10.11.9 the dump opens with the client's sandbox mode ("/*M!999999\- ...").
    if (line.starts_with("/*M!999999"))
        std::getline(in, line);
    if (!line.starts_with("-- MariaDB dump"))
        throw std::runtime_error(from + " is not a mariadb-dump file");
    while (std::getline(in, line))
        if (line.starts_with("CREATE TABLE `schema_migrations`"))
            return;
    throw std::runtime_error(from + " holds no certgate database (no schema_migrations table)");
}

// The dump drops and recreates each table it holds.
void restoreMariadb(const DatabaseConfig& config, const std::string& from)
{
    checkMariadbDump(from);
    Poco::Process::Env env;
    auto args = mariadbClientArgs(config, env);
    args.push_back("--default-character-set=utf8mb4");
    args.push_back("--database=" + mariadbDatabase(config));
    args.push_back("--execute=source " + fs::absolute(from).string());
    runTool("mariadb", args, env);
}

bool isMariadb(const DatabaseConfig& config)
{
    return config.backend == "mariadb" || config.backend == "mysql";
}

} // namespace

BackupResult backupDatabase(const DatabaseConfig& config, const std::string& to)
{
    if (fs::exists(to))
        throw std::runtime_error(to + " exists already: a backup never overwrites a file");
    if (config.backend == "sqlite3")
        return backupSqlite(config, to);
    if (config.backend == "postgresql")
        return backupPostgresql(config, to);
    if (isMariadb(config))
        return backupMariadb(config, to);
    throw std::runtime_error("no backup for database backend " + config.backend);
}

void restoreDatabase(const DatabaseConfig& config, const std::string& from)
{
    if (!fs::exists(from))
        throw std::runtime_error(from + " does not exist");
    if (config.backend == "sqlite3")
        return restoreSqlite(config, from);
    if (config.backend == "postgresql")
        return restorePostgresql(config, from);
    if (isMariadb(config))
        return restoreMariadb(config, from);
    throw std::runtime_error("no restore for database backend " + config.backend);
}

} // namespace certgate::db
