#pragma once

#include "RowMapping.hpp"

#include <soci/soci.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace certgate::db {

/// One SQL statement with bound parameters and result columns, built step by step (SOCI's
/// `statement` API underneath `session << ...`). Parameters are copied into the statement,
/// so temporaries may be passed (records excepted); values are only ever bound, never spliced
/// into the text. A mapped record (RowMapping.hpp) is one column argument of into() or use().
class Statement {
public:
    explicit Statement(soci::session& session)
        : statement_(session)
    {
    }

    template <typename T> void into(T& column) { statement_.exchange(soci::into(column)); }
    template <typename T> void into(T& column, soci::indicator& indicator)
    {
        statement_.exchange(soci::into(column, indicator));
    }

    void use(const std::string& value)
    {
        statement_.exchange(soci::use(strings_.emplace_back(value)));
    }
    void use(std::int64_t value) { useInteger(value, soci::i_ok); }
    void use(int value) { useInteger(value, soci::i_ok); }
    void use(const std::optional<std::int64_t>& value)
    {
        useInteger(value.value_or(0), value ? soci::i_ok : soci::i_null);
    }
    /// Every column of `record`, bound by name (:column); it must outlive the statement.
    template <StoredRecord Record> void use(const Record& record)
    {
        statement_.exchange(soci::use(record));
    }

    /// Prepares and runs `sql`; true when it produced a first row (now in the columns).
    bool execute(const std::string& sql)
    {
        statement_.alloc();
        // One round trip on PostgreSQL (PQexecParams) instead of prepare/execute/deallocate.
        statement_.prepare(sql, soci::details::st_one_time_query);
        statement_.define_and_bind();
        return statement_.execute(true);
    }
    bool fetch() { return statement_.fetch(); }
    long long affectedRows() { return statement_.get_affected_rows(); }

private:
    struct Integer {
        long long value;
        soci::indicator indicator;
    };
    void useInteger(long long value, soci::indicator indicator)
    {
        auto& slot = integers_.emplace_back(Integer { value, indicator });
        statement_.exchange(soci::use(slot.value, slot.indicator));
    }

    // deque: stable addresses for what SOCI holds pointers to.
    std::deque<std::string> strings_;
    std::deque<Integer> integers_;
    soci::statement statement_;
};

} // namespace certgate::db
