#pragma once

#include "Dialect.hpp"

#include <functional>

namespace certgate::db {

/// Runs `work` in one write transaction on `session`: BEGIN (IMMEDIATE on SQLite), then
/// COMMIT, or ROLLBACK and rethrow when `work` or the commit throws.
void runInTransaction(
    soci::session& session, const Dialect& dialect, const std::function<void()>& work);

} // namespace certgate::db
