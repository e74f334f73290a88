#include "Dialect.hpp"
#include "ErrorTranslator.hpp"
#include "SqlSession.hpp"
#include "Transaction.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/Migrator.hpp>

#include <openssl/evp.h>
#include <soci/soci.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

namespace certgate::db {
namespace {

using core::ErrorCode;

[[noreturn]] void refuse(const std::string& detail)
{
    throw core::Error(ErrorCode::InternalError, detail);
}

std::string sha256Hex(const std::string& bytes)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        refuse("SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0F];
    }
    return out;
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        refuse("cannot read " + path.string());
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

std::string trim(const std::string& text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

constexpr const char* createBookkeeping
    = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, "
      "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

} // namespace

template <> struct Mapping<AppliedMigration> {
    using R = AppliedMigration;
    static constexpr std::string_view table = "schema_migrations";
    static constexpr auto columns
        = std::tuple(Column { "version", &R::version }, Column { "name", &R::name },
            Column { "checksum", &R::checksum }, Column { "applied_at", &R::appliedAt });
};

namespace {

std::vector<AppliedMigration> readApplied(soci::session& session, const Dialect& dialect)
{
    return SqlSession(session, dialect, true).findAll<AppliedMigration>("ORDER BY version");
}

/// Refuses a database that does not match the files: a newer version than the newest file
/// (an older certgate against a newer schema), an applied migration whose file is gone or
/// changed (the schema would no longer be what the files say).
void verify(const std::vector<AppliedMigration>& applied,
    const std::vector<MigrationScript>& scripts, const std::filesystem::path& folder)
{
    const std::int64_t latest = scripts.empty() ? 0 : scripts.back().version;
    for (const auto& migration : applied) {
        if (migration.version > latest) {
            refuse("the database schema is at version " + std::to_string(migration.version) + " ("
                + migration.name + "), newer than the newest migration in " + folder.string() + " ("
                + std::to_string(latest)
                + "): refusing to run an older certgate against a newer database");
        }
        const auto script = std::find_if(scripts.begin(), scripts.end(),
            [&](const MigrationScript& s) { return s.version == migration.version; });
        if (script == scripts.end()) {
            refuse("migration " + std::to_string(migration.version) + " (" + migration.name
                + ") was applied but has no file in " + folder.string());
        }
        if (script->checksum != migration.checksum) {
            refuse("migration " + script->fileName
                + " changed after it was applied (recorded sha256 " + migration.checksum + ", file "
                + script->checksum + "); released migrations must not be edited: add a new one");
        }
    }
}

/// Holds the dialect's cross-process migration lock for its lifetime.
class MigrationLock {
public:
    MigrationLock(soci::session& session, const Dialect& dialect)
        : session_(session)
        , dialect_(dialect)
    {
        translated(dialect_, "migration lock", [&] { dialect_.lockMigrations(session_); });
    }
    ~MigrationLock()
    {
        try {
            dialect_.unlockMigrations(session_);
        } catch (const std::exception&) {
            // Closing the session releases the lock as well.
        }
    }
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;

private:
    soci::session& session_;
    const Dialect& dialect_;
};

} // namespace

std::vector<std::string> splitSqlStatements(const std::string& text)
{
    std::vector<std::string> statements;
    std::string current;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto trimmed = trim(line);
        if (trimmed.rfind("--", 0) == 0)
            continue;
        if (trimmed.empty()) {
            if (!current.empty())
                current += '\n';
            continue;
        }
        current += trimmed.back() == ';' ? line.substr(0, line.find_last_of(';')) : line;
        current += '\n';
        if (trimmed.back() == ';') {
            auto statement = trim(current);
            if (!statement.empty())
                statements.push_back(std::move(statement));
            current.clear();
        }
    }
    if (!trim(current).empty())
        refuse("SQL text after the last ';' (statements must end with ';' at the end of a line)");
    return statements;
}

Migrator::Migrator(DatabaseConfig config, std::filesystem::path folder, const core::Clock& clock)
    : config_(std::move(config))
    , folder_(std::move(folder))
    , clock_(clock)
{
}

std::vector<MigrationScript> Migrator::scripts() const
{
    static const std::regex fileName(R"(^([0-9]{4})_([A-Za-z0-9_-]+)\.sql$)");
    std::error_code error;
    if (!std::filesystem::is_directory(folder_, error))
        refuse("migrations folder " + folder_.string() + " does not exist");
    std::map<std::int64_t, MigrationScript> byVersion;
    for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".sql")
            continue;
        const auto name = entry.path().filename().string();
        std::smatch match;
        if (!std::regex_match(name, match, fileName))
            refuse("migration file " + name + " is not named NNNN_name.sql");
        MigrationScript script;
        script.version = std::stoll(match[1].str());
        script.name = match[2].str();
        script.fileName = name;
        const auto text = readFile(entry.path());
        script.checksum = sha256Hex(text);
        try {
            script.statements = splitSqlStatements(text);
        } catch (const core::Error& e) {
            refuse(name + ": " + e.detail());
        }
        if (script.version == 0)
            refuse("migration file " + name + ": versions start at 0001");
        if (byVersion.count(script.version))
            refuse("two migration files with version " + match[1].str() + ": "
                + byVersion[script.version].fileName + " and " + name);
        byVersion.emplace(script.version, std::move(script));
    }
    std::vector<MigrationScript> scripts;
    for (auto& [version, script] : byVersion)
        scripts.push_back(std::move(script));
    return scripts;
}

std::vector<std::int64_t> Migrator::migrate()
{
    const auto scripts = this->scripts();
    const auto dialect = makeDialect(config_.backend);
    soci::session session;
    translated(*dialect, "migration connect", [&] { dialect->open(session, config_); });
    MigrationLock lock(session, *dialect);

    runInTransaction(session, *dialect, [&] {
        translated(*dialect, "create schema_migrations", [&] { session << createBookkeeping; });
        verify(translated(*dialect, "read schema_migrations",
                   [&] { return readApplied(session, *dialect); }),
            scripts, folder_);
    });

    std::vector<std::int64_t> appliedNow;
    for (const auto& script : scripts) {
        // Checked again inside each transaction: on SQLite another process may have applied
        // this one while we waited for the write lock.
        runInTransaction(session, *dialect, [&] {
            const auto applied = translated(
                *dialect, "read schema_migrations", [&] { return readApplied(session, *dialect); });
            verify(applied, scripts, folder_);
            if (std::any_of(applied.begin(), applied.end(),
                    [&](const AppliedMigration& a) { return a.version == script.version; }))
                return;
            const auto statements = dialect->migrationStatements(script.statements);
            for (std::size_t i = 0; i < statements.size(); ++i) {
                const auto operation
                    = "migration " + script.fileName + ", statement " + std::to_string(i + 1);
                translated(*dialect, operation, [&] { session << statements[i]; });
            }
            translated(*dialect, "record migration", [&] {
                SqlSession(session, *dialect, true)
                    .insert(AppliedMigration {
                        script.version, script.name, script.checksum, clock_.now() });
            });
            appliedNow.push_back(script.version);
        });
    }
    return appliedNow;
}

std::vector<AppliedMigration> Migrator::applied()
{
    const auto dialect = makeDialect(config_.backend);
    soci::session session;
    return translated(*dialect, "read schema_migrations", [&] {
        dialect->open(session, config_);
        if (!dialect->hasTable(session, "schema_migrations"))
            return std::vector<AppliedMigration> {};
        return readApplied(session, *dialect);
    });
}

} // namespace certgate::db
