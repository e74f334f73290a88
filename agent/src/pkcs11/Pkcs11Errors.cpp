#include "pkcs11/Pkcs11Errors.hpp"

#include <openssl/err.h>

#include <cstdio>
#include <libp11.h>

namespace certgate::agent::pkcs11 {

ErrorCode errorForCkr(CK_RV rv)
{
    switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
        return ErrorCode::PinIncorrect;
    case CKR_PIN_LOCKED:
        return ErrorCode::PinLocked;
    case CKR_USER_PIN_NOT_INITIALIZED:
        return ErrorCode::CardNotInitialised;
    case CKR_TOKEN_NOT_RECOGNIZED:
        return ErrorCode::NoCard;
    // What a pulled card looks like: OpenSC answers TOKEN_NOT_PRESENT / DEVICE_REMOVED and
    // invalidates sessions; SoftHSM2 answers GENERAL_ERROR for a token deleted under it.
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_ERROR:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
    case CKR_GENERAL_ERROR:
        return ErrorCode::CardRemoved;
    case CKR_SESSION_COUNT:
    case CKR_OPERATION_ACTIVE:
        return ErrorCode::Busy;
    default:
        return ErrorCode::InternalError;
    }
}

std::string ckrName(CK_RV rv)
{
    const char* name = nullptr;
    switch (rv) {
    case CKR_OK:
        name = "CKR_OK";
        break;
    case CKR_GENERAL_ERROR:
        name = "CKR_GENERAL_ERROR";
        break;
    case CKR_DEVICE_ERROR:
        name = "CKR_DEVICE_ERROR";
        break;
    case CKR_DEVICE_REMOVED:
        name = "CKR_DEVICE_REMOVED";
        break;
    case CKR_PIN_INCORRECT:
        name = "CKR_PIN_INCORRECT";
        break;
    case CKR_PIN_INVALID:
        name = "CKR_PIN_INVALID";
        break;
    case CKR_PIN_LEN_RANGE:
        name = "CKR_PIN_LEN_RANGE";
        break;
    case CKR_PIN_LOCKED:
        name = "CKR_PIN_LOCKED";
        break;
    case CKR_SESSION_HANDLE_INVALID:
        name = "CKR_SESSION_HANDLE_INVALID";
        break;
    case CKR_SESSION_CLOSED:
        name = "CKR_SESSION_CLOSED";
        break;
    case CKR_SLOT_ID_INVALID:
        name = "CKR_SLOT_ID_INVALID";
        break;
    case CKR_TOKEN_NOT_PRESENT:
        name = "CKR_TOKEN_NOT_PRESENT";
        break;
    case CKR_TOKEN_NOT_RECOGNIZED:
        name = "CKR_TOKEN_NOT_RECOGNIZED";
        break;
    case CKR_USER_PIN_NOT_INITIALIZED:
        name = "CKR_USER_PIN_NOT_INITIALIZED";
        break;
    case CKR_USER_NOT_LOGGED_IN:
        name = "CKR_USER_NOT_LOGGED_IN";
        break;
    default:
        name = "CKR";
        break;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s (0x%lx)", name, static_cast<unsigned long>(rv));
    return buffer;
}

std::optional<CK_RV> takeLibp11Ckr()
{
    std::optional<CK_RV> found;
    int ckrLib = ERR_get_CKR_code();
    while (unsigned long e = ERR_get_error()) {
        if (ckrLib != 0 && ERR_GET_LIB(e) == ckrLib)
            found = static_cast<CK_RV>(ERR_GET_REASON(e));
    }
    return found;
}

void throwForCkr(CK_RV rv, const std::string& what)
{
    throw AgentError(errorForCkr(rv), what + ": " + ckrName(rv));
}

} // namespace certgate::agent::pkcs11
