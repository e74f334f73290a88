#pragma once

#include "Dialect.hpp"

#include <certgate/core/Error.hpp>

#include <soci/soci.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace certgate::db {

/// A unique index whose violation means something to the domain.
struct UniqueRule {
    UniqueKey key;
    core::ErrorCode code;
    const char* detail;
};

/// The one place where SOCI's exceptions become core::Error: `rules` name the unique
/// violations the caller expects; a database that cannot be reached or used right now
/// (Dialect::isUnavailable) is DatabaseUnavailable; everything else is InternalError. The
/// detail is SOCI's message (without its context, which may quote bound values) prefixed by
/// `operation`.
core::Error translateError(const soci::soci_error& error, const Dialect& dialect,
    std::string_view operation, std::initializer_list<UniqueRule> rules = {});

template <typename Work>
auto translated(const Dialect& dialect, std::string_view operation, Work&& work,
    std::initializer_list<UniqueRule> rules = {})
{
    try {
        return work();
    } catch (const soci::soci_error& error) {
        throw translateError(error, dialect, operation, rules);
    }
}

} // namespace certgate::db
