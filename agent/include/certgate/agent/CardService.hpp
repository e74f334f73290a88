#pragma once

#include <certgate/agent/CertificateInfo.hpp>
#include <certgate/agent/Encoding.hpp>
#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/SecretBuffer.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certgate::agent {

/// Token flags as the token reports them at the time of the call (CK_TOKEN_INFO.flags).
struct TokenFlags {
    bool pinInitialized = false; ///< CKF_USER_PIN_INITIALIZED: the manual's 開卡
    bool pinCountLow = false;
    bool pinFinalTry = false;
    bool pinLocked = false;
    bool loginRequired = false;
};

/// One slot (a reader, for PC/SC modules) and the token in it, if any.
struct SlotStatus {
    unsigned long slotId = 0;
    std::string slotDescription;
    std::string reader; ///< PKCS#11 has no separate reader name: the slot description
    bool present = false;
    std::string label;
    std::string serialNumber;
    std::string manufacturer;
    std::string model;
    TokenFlags flags;
};

struct HealthStatus {
    std::string modulePath;
    bool moduleLoaded = false;
    std::optional<ErrorCode> moduleError;
    std::optional<bool> pcscRunning; ///< nullopt when the module does not use PC/SC
};

struct SignResult {
    Bytes certificateDer;
    std::string algorithm; ///< "RS256" | "ES256" | "ES384"
    Bytes signature; ///< PKCS#1 v1.5 for RSA, raw R‖S for ECDSA
};

/// What the HTTP API and the CLI need from the cards. Every method throws AgentError with the
/// code a person can act on; none of them ever retries a PIN.
class CardService {
public:
    virtual ~CardService() = default;
    virtual HealthStatus health() = 0;
    /// Fresh flags on every call. An empty list means the module sees no reader at all.
    virtual std::vector<SlotStatus> tokens() = 0;
    /// Certificates on the token labelled `tokenLabel`; no PIN needed.
    virtual std::vector<CertificateInfo> certificates(const std::string& tokenLabel) = 0;
    /// Logs in once with `pin` and signs `data` with the token's digitalSignature key (the one
    /// with CKA_ID `keyId` when not empty), hashing with the algorithm's digest.
    virtual SignResult sign(const std::string& tokenLabel, const std::string& keyId,
        const SecretBuffer& pin, const Bytes& data)
        = 0;
};

} // namespace certgate::agent
