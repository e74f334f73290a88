#pragma once

#include <stdexcept>
#include <string>

namespace certgate::plugin {

/// The one exception type plugins throw. `code` is a stable error code of SPEC §5 the host
/// passes on to the user (e.g. "WRONG_CARD_KIND", "CERT_UNTRUSTED", "SERIAL_FORMAT"), or
/// "PROFILE_INVALID" from CaPlugin::configure. `what()` is an English detail for logs.
class PluginError : public std::runtime_error {
public:
    PluginError(std::string code, const std::string& detail)
        : std::runtime_error(detail)
        , code_(std::move(code))
    {
    }
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

} // namespace certgate::plugin
