#pragma once

// What every repositories/*.cpp needs: SociStorage::run and the SQL helpers.

#include "ConnectionSource.hpp"
#include "ErrorTranslator.hpp"
#include "SqlSession.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/db/SociStorage.hpp>

#include <optional>
#include <type_traits>

namespace certgate::db {

template <typename Work, typename... Rules>
auto SociStorage::run(std::string_view operation, Work&& work, const Rules&... rules)
{
    const auto onSession = [&](soci::session& session) {
        SqlSession db(session, connections_->dialect(), connections_->inTransaction());
        return translated(
            connections_->dialect(), operation, [&] { return work(db); }, { rules... });
    };
    using Result = decltype(onSession(std::declval<soci::session&>()));
    if constexpr (std::is_void_v<Result>) {
        connections_->lend(onSession);
    } else {
        std::optional<Result> result;
        connections_->lend([&](soci::session& session) { result.emplace(onSession(session)); });
        return std::move(*result);
    }
}

/// Updates must find their row.
inline void requireOneRow(long long affected, const char* operation, const std::string& id)
{
    if (affected == 0)
        throw core::Error(core::ErrorCode::NotFound, std::string(operation) + ": no row " + id);
}

} // namespace certgate::db
