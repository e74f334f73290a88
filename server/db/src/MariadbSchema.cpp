#include "MariadbSchema.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace certgate::db {
namespace {

constexpr const char* keyType = "VARCHAR(255)";
constexpr const char* tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

const std::regex createTable(
    R"(^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(([\s\S]*)\)\s*$)", std::regex::icase);
const std::regex createIndex(
    R"(^CREATE\s+(UNIQUE\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s+(\w+)\s*\(([^)]*)\)\s*(WHERE\s+([\s\S]+))?$)",
    std::regex::icase);
// Inside a column or table constraint: the key columns it names, and what it references.
const std::regex keyColumns(
    R"((PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY)\s*\(([^)]*)\))", std::regex::icase);
const std::regex references(R"(REFERENCES\s+(\w+)\s*\(([^)]*)\))", std::regex::icase);
const std::regex inlineKey(R"(\b(PRIMARY\s+KEY|UNIQUE|REFERENCES)\b)", std::regex::icase);

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(const std::string& text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string firstWord(const std::string& text)
{
    return text.substr(0, text.find_first_of(" \t\r\n("));
}

// Words MariaDB reserves that PostgreSQL and SQLite let a column be called.
bool isReserved(const std::string& word)
{
    static const std::set<std::string> reserved { "key", "keys", "index", "range", "read", "write",
        "condition", "change", "interval", "match", "option", "release", "usage", "signal", "long",
        "mod", "div", "lines", "load", "rlike", "regexp", "sensitive", "maxvalue" };
    return reserved.count(lower(word)) > 0;
}

std::string quoted(const std::string& identifier)
{
    return isReserved(identifier) ? '"' + identifier + '"' : identifier;
}

std::vector<std::string> splitTopLevel(const std::string& text)
{
    std::vector<std::string> parts(1);
    int depth = 0;
    for (const char c : text) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (c == ',' && depth == 0)
            parts.emplace_back();
        else
            parts.back() += c;
    }
    for (auto& part : parts)
        part = trim(part);
    return parts;
}

/// "a, key DESC" with the reserved words quoted.
std::string quotedList(const std::string& list)
{
    std::string out;
    for (const auto& entry : splitTopLevel(list)) {
        const auto word = firstWord(entry);
        out += (out.empty() ? "" : ", ") + quoted(word) + entry.substr(word.size());
    }
    return out;
}

bool isTableConstraint(const std::string& item)
{
    static const std::set<std::string> starts { "constraint", "primary", "unique", "foreign",
        "check" };
    return starts.count(lower(firstWord(item))) > 0;
}

using Keyed = std::set<std::string>; ///< "table.column", lowercase

void addColumns(Keyed& keyed, const std::string& table, const std::string& list)
{
    for (const auto& entry : splitTopLevel(list))
        keyed.insert(lower(table) + "." + lower(firstWord(entry)));
}

void addReferences(Keyed& keyed, const std::string& text)
{
    for (std::sregex_iterator it(text.begin(), text.end(), references), end; it != end; ++it)
        addColumns(keyed, (*it)[1], (*it)[2]);
}

/// Every column the file uses as a key or an index column.
Keyed keyedColumns(const std::vector<std::string>& statements)
{
    Keyed keyed;
    for (const auto& statement : statements) {
        std::smatch match;
        if (std::regex_match(statement, match, createIndex)) {
            addColumns(keyed, match[4], match[5]);
        } else if (std::regex_match(statement, match, createTable)) {
            const std::string table = match[2];
            for (const auto& item : splitTopLevel(match[3])) {
                addReferences(keyed, item);
                if (!isTableConstraint(item)) {
                    if (std::regex_search(item, inlineKey))
                        keyed.insert(lower(table) + "." + lower(firstWord(item)));
                    continue;
                }
                for (std::sregex_iterator it(item.begin(), item.end(), keyColumns), end; it != end;
                     ++it)
                    addColumns(keyed, table, (*it)[2]);
            }
        }
    }
    return keyed;
}

std::string tableItem(const std::string& table, const std::string& item, const Keyed& keyed)
{
    std::string out;
    if (isTableConstraint(item)) {
        // The column lists inside (...) with their reserved words quoted.
        std::size_t at = 0;
        while (at < item.size()) {
            const auto open = item.find('(', at);
            const auto close = open == std::string::npos ? open : item.find(')', open);
            if (close == std::string::npos) {
                out += item.substr(at);
                break;
            }
            out += item.substr(at, open + 1 - at)
                + quotedList(item.substr(open + 1, close - open - 1)) + ")";
            at = close + 1;
        }
        return out;
    }
    const auto name = firstWord(item);
    auto rest = item.substr(name.size());
    const auto typeStart = rest.find_first_not_of(" \t\r\n");
    const auto type
        = typeStart == std::string::npos ? std::string() : firstWord(rest.substr(typeStart));
    if (lower(type) == "text" && keyed.count(lower(table) + "." + lower(name)))
        rest = rest.substr(0, typeStart) + keyType + rest.substr(typeStart + type.size());
    return quoted(name) + rest;
}

std::vector<std::string> rewrite(const std::string& statement, const Keyed& keyed)
{
    std::smatch match;
    if (std::regex_match(statement, match, createTable)) {
        const std::string table = match[2];
        std::string items;
        for (const auto& item : splitTopLevel(match[3]))
            items += (items.empty() ? "\n    " : ",\n    ") + tableItem(table, item, keyed);
        return { "CREATE TABLE " + match[1].str() + table + " (" + items + "\n)" + tableOptions };
    }
    if (std::regex_match(statement, match, createIndex)) {
        const bool unique = match[1].matched;
        const std::string index = match[3];
        const std::string table = match[4];
        auto columns = quotedList(match[5]);
        const std::string head = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX "
            + match[2].str() + index + " ON " + table + " (";
        if (!match[6].matched || !unique)
            return { head + columns + ")" };
        const auto when = index + "_when";
        return { "ALTER TABLE " + table + " ADD COLUMN " + when + " TINYINT AS (CASE WHEN "
                + trim(match[7]) + " THEN 1 END) VIRTUAL",
            head + columns + ", " + when + ")" };
    }
    return { statement };
}

} // namespace

std::vector<std::string> mariadbSchemaStatements(const std::vector<std::string>& statements)
{
    const auto keyed = keyedColumns(statements);
    std::vector<std::string> out;
    for (const auto& statement : statements)
        for (auto& rewritten : rewrite(statement, keyed))
            out.push_back(std::move(rewritten));
    return out;
}

} // namespace certgate::db
