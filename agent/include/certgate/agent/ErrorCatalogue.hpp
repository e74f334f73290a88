#pragma once

#include <Poco/JSON/Object.h>

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace certgate::agent {

/// Every error the agent reports (SPEC §4, issue 4). The string forms are a stable contract with
/// the portal pages and the server: never rename one.
enum class ErrorCode {
    PcscdNotRunning,
    NoReader,
    NoCard,
    CardRemoved,
    CardNotInitialised,
    PinIncorrect,
    PinFinalTry,
    PinLocked,
    PinAttemptsLimited,
    NoSigningCertificate,
    ModuleLoadFailed,
    OriginNotAllowed,
    HostNotAllowed,
    Busy,
    BadRequest,
    InternalError,
};

struct ErrorEntry {
    ErrorCode code;
    std::string_view name; ///< stable string, e.g. "PIN_LOCKED"
    int httpStatus;
    std::string_view messageZhTw; ///< tells the person what to do
    std::string_view messageEn;
};

/// The one catalogue: code → HTTP status, zh-TW and English text.
std::span<const ErrorEntry> errorCatalogue();
const ErrorEntry& describe(ErrorCode code);

/// The error every agent layer throws. `facts` are extra JSON members for the page (e.g.
/// pinCountLow); `detail` is for the log only and never contains a PIN or a full nonce.
class AgentError : public std::runtime_error {
public:
    explicit AgentError(
        ErrorCode code, std::string detail = {}, Poco::JSON::Object facts = Poco::JSON::Object());

    ErrorCode code() const { return code_; }
    const std::string& detail() const { return detail_; }
    const Poco::JSON::Object& facts() const { return facts_; }
    /// The response body: {"error", "message", "messageEn", ...facts}.
    Poco::JSON::Object toJson() const;

private:
    ErrorCode code_;
    std::string detail_;
    Poco::JSON::Object facts_;
};

Poco::JSON::Object errorJson(
    ErrorCode code, const Poco::JSON::Object& facts = Poco::JSON::Object());

} // namespace certgate::agent
