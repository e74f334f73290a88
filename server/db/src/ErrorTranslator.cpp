#include "ErrorTranslator.hpp"

#include <algorithm>

namespace certgate::db {

core::Error translateError(const soci::soci_error& error, const Dialect& dialect,
    std::string_view operation, std::initializer_list<UniqueRule> rules)
{
    for (const auto& rule : rules) {
        if (dialect.isUniqueViolation(error, rule.key))
            return core::Error(rule.code, rule.detail);
    }
    auto message = error.get_error_message();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::replace(message.begin(), message.end(), '\t', ' ');
    while (!message.empty() && message.back() == ' ')
        message.pop_back();
    return core::Error(dialect.isUnavailable(error) ? core::ErrorCode::DatabaseUnavailable
                                                    : core::ErrorCode::InternalError,
        std::string(operation) + " (" + dialect.name() + "): " + message);
}

} // namespace certgate::db
