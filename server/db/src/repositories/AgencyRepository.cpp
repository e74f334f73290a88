// core::Storage, agencies (master data): SociStorage's methods for them.

#include "Repository.hpp"

namespace certgate::db {
namespace {

/// LIKE patterns for AgencyQuery: code prefix, name substring (ASCII case-insensitive on
/// every backend; SQLite's LIKE folds ASCII case, PostgreSQL's and MariaDB's binary collation
/// do not). The escape character is '!': SOCI's MySQL backend reads a backslash in a string
/// literal as escaping the quote after it.
struct AgencyFilter {
    std::string prefix;
    std::string substring;

    explicit AgencyFilter(const std::string& text)
    {
        std::string escaped;
        for (const char c : text) {
            if (c == '%' || c == '_' || c == '!')
                escaped += '!';
            escaped += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        }
        prefix = escaped + "%";
        substring = "%" + escaped + "%";
    }
};

constexpr std::string_view agencyWhere
    = "WHERE UPPER(code) LIKE :prefix ESCAPE '!' OR UPPER(name) LIKE :substring ESCAPE '!'";

} // namespace

std::optional<core::Agency> SociStorage::findAgency(const std::string& code)
{
    return run("findAgency",
        [&](SqlSession& db) { return db.findOne<core::Agency>("WHERE code = :code", code); });
}

void SociStorage::upsertAgency(const core::Agency& agency)
{
    run("upsertAgency", [&](SqlSession& db) { db.upsert(agency, "code"); });
}

std::vector<core::Agency> SociStorage::listAgencies(const core::AgencyQuery& query)
{
    return run("listAgencies", [&](SqlSession& db) {
        const AgencyFilter filter(query.text);
        return db.findAll<core::Agency>(
            std::string(agencyWhere) + " ORDER BY code LIMIT :limit OFFSET :offset", filter.prefix,
            filter.substring, query.limit, query.offset);
    });
}

std::int64_t SociStorage::countAgencies(const core::AgencyQuery& query)
{
    return run("countAgencies", [&](SqlSession& db) {
        const AgencyFilter filter(query.text);
        return db
            .queryInteger("SELECT COUNT(*) FROM agencies " + std::string(agencyWhere),
                filter.prefix, filter.substring)
            .value_or(0);
    });
}

} // namespace certgate::db
