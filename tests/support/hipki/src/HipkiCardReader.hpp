#pragma once

#include "pkcs11/Pkcs11Module.hpp"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

namespace certgate::test::hipki {

/// A HiPKI answer other than success: ret_code (major) and last_error (minor) as
/// hipki-protocol.md §5 lists them.
class HipkiFailure : public std::runtime_error {
public:
    HipkiFailure(std::int64_t retCode, std::int64_t lastError, const std::string& message)
        : std::runtime_error(message)
        , retCode_(retCode)
        , lastError_(lastError)
    {
    }
    std::int64_t retCode() const { return retCode_; }
    std::int64_t lastError() const { return lastError_; }

private:
    std::int64_t retCode_;
    std::int64_t lastError_;
};

namespace code {
inline constexpr std::int64_t NoTbs = 0x76000003;
inline constexpr std::int64_t NoCard = 0x76000006;
inline constexpr std::int64_t BadJson = 0x7600000B;
inline constexpr std::int64_t BadParameter = 0x7600000C;
inline constexpr std::int64_t UnsupportedMethod = 0x7600000E;
inline constexpr std::int64_t SiteNotTrusted = 0x76000031;
inline constexpr std::int64_t NoPin = 0x76000998;
inline constexpr std::int64_t CardLoginFailed = 0x76100006;
inline constexpr std::int64_t CertificateNotFound = 0x7610000C;
inline constexpr std::int64_t KeyNotFound = 0x7610000D;
inline constexpr std::int64_t SigningFailed = 0x76300001;
inline constexpr std::int64_t WrongPin = 0xA0;
inline constexpr std::int64_t WrongPinLength = 0xA2;
inline constexpr std::int64_t CardLocked = 0xA4;
inline constexpr std::int64_t FunctionFailed = 0x06;
} // namespace code

/// What MakeSignature asks for (hipki-protocol.md §3), decoded.
struct SignRequest {
    std::string signatureType; ///< PKCS7 | PKCS1
    std::string tbs; ///< the bytes to sign
    std::string hashAlgorithm = "SHA256";
    bool withCardSN = false;
    std::string nonce;
    std::string pin; ///< wiped by sign()
};

/// The double's one reader and the card in it: a SoftHSM2 token of the test PKI through
/// libp11 (the agent's PKCS#11 RAII). Keys never leave the token: signatures are made with
/// the EVP_PKEY libp11 hands out for the card's key.
class HipkiCardReader {
public:
    /// `card`: the token label of the inserted card; empty = a reader without a card.
    HipkiCardReader(const std::string& module, std::string card);

    /// The pkcs11info answer body (ret_code 0), with certificates when asked.
    Poco::JSON::Object::Ptr info(bool withCertificates);
    /// The sign answer body (ret_code 0); HipkiFailure otherwise. Wipes request.pin.
    Poco::JSON::Object::Ptr sign(SignRequest& request);

    void insert(std::string card);
    std::string slotDescription() const;

private:
    std::mutex mutex_;
    agent::pkcs11::Pkcs11Module module_;
    std::string card_;
};

} // namespace certgate::test::hipki
