#pragma once

#include <certgate/app/Config.hpp>

namespace certgate::app {

/// Log lines on stderr before the configuration is read: text, with the request id.
void setUpDefaultLogging();

/// What the configuration says (serve): `logging.format` "text" (default) or "json" (one JSON
/// object per line: time, level, logger, message, requestId), `logging.file` (empty = stderr)
/// and `logging.level` unless $CERTGATE_LOG_LEVEL overrides it.
void applyLoggingConfig(const Config& config);

} // namespace certgate::app
