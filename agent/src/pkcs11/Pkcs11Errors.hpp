#pragma once

#include <certgate/agent/ErrorCatalogue.hpp>

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>

namespace certgate::agent::pkcs11 {

/// The one translator from PKCS#11 return values to the agent's error codes.
ErrorCode errorForCkr(CK_RV rv);
/// "CKR_PIN_INCORRECT (0xa0)" for logs.
std::string ckrName(CK_RV rv);
/// Pops OpenSSL's error queue and returns the last CKR_ libp11 put there, if any.
std::optional<CK_RV> takeLibp11Ckr();
/// Throws AgentError for `rv`; `what` says which call failed (for the log only).
[[noreturn]] void throwForCkr(CK_RV rv, const std::string& what);

} // namespace certgate::agent::pkcs11
