#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certgate::core {

/// Stable error codes (SPEC §5 and the functions of SPEC §3). The string form is the public
/// contract: pages, tests and other systems match on it. Never rename one.
enum class ErrorCode {
    // Token and certificate, in the order the server checks them (SPEC §5).
    MalformedToken,
    SignerNotAllowed, ///< a HiPKI token where the deployment allows certgate-agent only
    NonceUnknown,
    NonceExpired,
    NonceReplayed,
    CertMalformed,
    CertUntrusted,
    CertExpired,
    CertNotYetValid,
    CertKeyUsage,
    CertPolicy,
    CertRevoked,
    RevocationUnknown,
    SignatureInvalid,
    WrongCardKind,
    IdMismatch,
    OidMismatch,
    ReviewPending,
    NotRegistered,
    AlreadyRegistered,
    NotRegisteredCard,
    SerialFormat,
    DuplicateOperator,
    NoFunctions,
    // Requests and flows.
    AgencyUnknown,
    AgencyCodeFormat,
    InvalidInput,
    TermsNotAccepted,
    FlowUnknown,
    FlowExpired,
    FlowStep,
    SessionInvalid,
    CsrfInvalid,
    RateLimited,
    StaffNotAllowed,
    NotFound,
    ReviewDecided,
    PayloadTooLarge,
    UnsupportedMediaType, ///< a JSON route sent something other than application/json
    ServerBusy, ///< every worker busy, or the connection caps reached
    DatabaseUnavailable, ///< the database cannot be reached or is locked: try again shortly
    InternalError,
};

struct ErrorInfo {
    ErrorCode code;
    std::string_view name; ///< "MALFORMED_TOKEN"
    int httpStatus; ///< 4xx / 5xx
    std::string_view messageZh; ///< what a person reads, zh-TW
    std::string_view messageEn;
};

const ErrorInfo& errorInfo(ErrorCode code);
/// The seconds a 503 answer asks the client to wait (`Retry-After`); 0 for other codes.
int retryAfterSeconds(ErrorCode code);
/// The server's own failure rather than a refusal of the request (InternalError,
/// DatabaseUnavailable): logged, never audited, since the audit log may be what failed.
bool isServerFailure(ErrorCode code);
std::string_view toString(ErrorCode code);
std::optional<ErrorCode> errorCodeFromString(std::string_view name);

} // namespace certgate::core
