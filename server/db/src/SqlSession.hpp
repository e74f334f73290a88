#pragma once

#include "Dialect.hpp"
#include "RowMapping.hpp"
#include "Statement.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::db {

/// One soci::session as the repositories use it: whole records by their Mapping
/// (RowMapping.hpp), single integers, and statements that only change rows. The SQL text of
/// record statements is made from the table and column names alone, with placeholders named
/// after the columns; values are always bound.
class SqlSession {
public:
    SqlSession(soci::session& session, const Dialect& dialect, bool inTransaction)
        : session_(session)
        , dialect_(dialect)
        , inTransaction_(inTransaction)
    {
    }

    soci::session& session() { return session_; }
    const Dialect& dialect() const { return dialect_; }

    /// "SELECT <Record's columns> FROM <its table> <rest>": the first row.
    template <StoredRecord Record, typename... Params>
    std::optional<Record> findOne(std::string_view rest, const Params&... params)
    {
        Record record;
        Statement statement(session_);
        statement.into(record);
        (statement.use(params), ...);
        if (!statement.execute(selectSql<Record>(rest)))
            return std::nullopt;
        return record;
    }

    /// The same query, every row.
    template <StoredRecord Record, typename... Params>
    std::vector<Record> findAll(std::string_view rest, const Params&... params)
    {
        std::vector<Record> records;
        Record record;
        Statement statement(session_);
        statement.into(record);
        (statement.use(params), ...);
        if (statement.execute(selectSql<Record>(rest))) {
            do
                records.push_back(record);
            while (statement.fetch());
        }
        return records;
    }

    /// A query of one integer column (COUNT, RETURNING, SELECT 1): the first row's value.
    template <typename... Params>
    std::optional<std::int64_t> queryInteger(const std::string& sql, const Params&... params)
    {
        long long value = 0;
        Statement statement(session_);
        statement.into(value);
        (statement.use(params), ...);
        if (!statement.execute(sql))
            return std::nullopt;
        return value;
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    template <typename... Params> long long execute(const std::string& sql, const Params&... params)
    {
        Statement statement(session_);
        (statement.use(params), ...);
        statement.execute(sql);
        return statement.affectedRows();
    }

    /// INSERT of every column, then `rest` (e.g. an ON CONFLICT clause).
    template <StoredRecord Record> void insert(const Record& record, std::string_view rest = {})
    {
        Statement statement(session_);
        statement.use(record);
        statement.execute(
            insertSql(Mapping<Record>::table, columnNames<Record>()) + std::string(rest));
    }

    /// INSERT, or on a conflict over `key` an update of every other column.
    template <StoredRecord Record> void upsert(const Record& record, std::string_view key)
    {
        insert(record,
            dialect_.onConflictUpdate(key,
                assignments(columnNames<Record>(), key,
                    [&](const std::string& column) { return dialect_.proposedValue(column); })));
    }

    /// UPDATE of every column but `key` in the row whose `key` is the record's; returns the
    /// number of rows changed.
    template <StoredRecord Record> long long update(const Record& record, std::string_view key)
    {
        Statement statement(session_);
        statement.use(record);
        statement.execute("UPDATE " + std::string(Mapping<Record>::table) + " SET "
            + assignments(
                columnNames<Record>(), key, [](const std::string& column) { return ":" + column; })
            + " WHERE " + std::string(key) + " = :" + std::string(key));
        return statement.affectedRows();
    }

    /// Runs `work` in one write transaction, or inline in the one already open.
    void atomically(const std::function<void()>& work);

private:
    template <StoredRecord Record> static std::string selectSql(std::string_view rest)
    {
        return "SELECT " + joined(columnNames<Record>()) + " FROM "
            + std::string(Mapping<Record>::table) + " " + std::string(rest);
    }
    static std::string joined(const std::vector<std::string>& columns);
    static std::string insertSql(std::string_view table, const std::vector<std::string>& columns);
    /// "a = <value(a)>, b = <value(b)>" for every column but `key`.
    static std::string assignments(const std::vector<std::string>& columns, std::string_view key,
        const std::function<std::string(const std::string&)>& value);

    soci::session& session_;
    const Dialect& dialect_;
    bool inTransaction_;
};

} // namespace certgate::db
