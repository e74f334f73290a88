#pragma once

#include "pkcs11/Pkcs11Module.hpp"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
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
inline constexpr std::int64_t ForbiddenDomain = 0x7600000F;
inline constexpr std::int64_t SiteNotTrusted = 0x76000031;
inline constexpr std::int64_t NoPin = 0x76000998;
inline constexpr std::int64_t NoReader = 0x76100003;
inline constexpr std::int64_t CardLoginFailed = 0x76100006;
inline constexpr std::int64_t CertificateNotFound = 0x7610000C;
inline constexpr std::int64_t KeyNotFound = 0x7610000D;
inline constexpr std::int64_t SigningFailed = 0x76300001;
inline constexpr std::int64_t WrongPin = 0xA0;
inline constexpr std::int64_t WrongPinLength = 0xA2;
inline constexpr std::int64_t CardLocked = 0xA4;
inline constexpr std::int64_t FunctionFailed = 0x06;
/// Wrong PIN with 1 / 2 tries left, as HiCOS reports them (negative: signed 32-bit).
inline constexpr std::int64_t WrongPinOneTryLeft = -2147483647; // 0x80000001
inline constexpr std::int64_t WrongPinTwoTriesLeft = -2147483646; // 0x80000002
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
    /// `reader`: false = no reader at all (pkcs11info lists no slot; signing says no reader).
    HipkiCardReader(const std::string& module, std::string card, bool reader = true);

    /// The pkcs11info answer body (ret_code 0), with certificates when asked.
    Poco::JSON::Object::Ptr info(bool withCertificates);
    /// The sign answer body (ret_code 0); HipkiFailure otherwise. Wipes request.pin.
    Poco::JSON::Object::Ptr sign(SignRequest& request);

    void insert(std::string card);
    std::string slotDescription() const;

    /// DOUBLE ONLY: a HiCOS card's PIN counter, which SoftHSM2 has not. With `tries` > 0 the
    /// reader counts wrong PINs per card and answers with the tries left (last_error
    /// 0x80000002, 0x80000001) and, at none left, a locked card (0xA4) it no longer logs into;
    /// a right PIN resets the count. 0 (the default): SoftHSM2's own answer, 0xA0.
    void countPinTries(int tries);
    /// DOUBLE ONLY: the card answers as locked (0xA4) from now on; SoftHSM2 never locks.
    void lock(const std::string& card);

private:
    void login(PKCS11_SLOT* slot, const std::string& pin);

    std::mutex mutex_;
    agent::pkcs11::Pkcs11Module module_;
    std::string card_;
    bool reader_ = true;
    int pinTries_ = 0;
    std::map<std::string, int> wrongPins_;
    std::set<std::string> locked_;
};

} // namespace certgate::test::hipki
