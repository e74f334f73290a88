#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace certgate::net {

/// A value a client sent, made safe for a log line: every byte that is not printable ASCII
/// other than space (controls, newlines, NUL, DEL, non-ASCII, and the space itself) becomes
/// %XX, and the result is cut at `max` bytes with "…" appended. A logged request path can
/// therefore neither start a line of its own nor spell a phrase with spaces in it, such as the
/// server's "audit head" lines.
std::string logSafe(std::string_view text, std::size_t max = 200);

} // namespace certgate::net
