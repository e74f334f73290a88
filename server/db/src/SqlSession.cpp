#include "SqlSession.hpp"

#include "Transaction.hpp"

namespace certgate::db {

void SqlSession::atomically(const std::function<void()>& work)
{
    if (inTransaction_)
        work();
    else
        runInTransaction(session_, dialect_, work);
}

std::string SqlSession::joined(const std::vector<std::string>& columns)
{
    std::string list;
    for (const auto& column : columns)
        list += (list.empty() ? "" : ", ") + column;
    return list;
}

std::string SqlSession::insertSql(std::string_view table, const std::vector<std::string>& columns)
{
    std::string placeholders;
    for (const auto& column : columns)
        placeholders += (placeholders.empty() ? ":" : ", :") + column;
    return "INSERT INTO " + std::string(table) + " (" + joined(columns) + ") VALUES ("
        + placeholders + ")";
}

std::string SqlSession::assignments(const std::vector<std::string>& columns, std::string_view key,
    const std::function<std::string(const std::string&)>& value)
{
    std::string list;
    for (const auto& column : columns) {
        if (column != key)
            list += (list.empty() ? "" : ", ") + column + " = " + value(column);
    }
    return list;
}

} // namespace certgate::db
