#include "ErrorTranslator.hpp"

#include <certgate/metrics/Metrics.hpp>

#include <algorithm>

namespace certgate::db {

core::Error translateError(const soci::soci_error& error, const Dialect& dialect,
    std::string_view operation, std::initializer_list<UniqueRule> rules)
{
    static auto& errors = metrics::Registry::global().counter("certgate_db_errors_total",
        "Database statements that failed, by kind: conflict (a unique key the caller expects to "
        "meet, e.g. a replayed nonce), unavailable (connection lost, server down or busy), failed.",
        { "kind" });
    for (const auto& rule : rules) {
        if (dialect.isUniqueViolation(error, rule.key)) {
            errors.with({ "conflict" }).inc();
            return core::Error(rule.code, rule.detail);
        }
    }
    const bool unavailable = dialect.isUnavailable(error);
    errors.with({ unavailable ? "unavailable" : "failed" }).inc();
    auto message = error.get_error_message();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::replace(message.begin(), message.end(), '\t', ' ');
    while (!message.empty() && message.back() == ' ')
        message.pop_back();
    return core::Error(
        unavailable ? core::ErrorCode::DatabaseUnavailable : core::ErrorCode::InternalError,
        std::string(operation) + " (" + dialect.name() + "): " + message);
}

} // namespace certgate::db
