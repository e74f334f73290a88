#include "pkcs11/PcscProbe.hpp"
#include "pkcs11/Pkcs11Errors.hpp"
#include "pkcs11/Pkcs11Module.hpp"

#include <certgate/agent/Pkcs11CardService.hpp>
#include <certgate/agent/SignatureFormat.hpp>

#include <Poco/Logger.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace certgate::agent {
namespace {

using namespace pkcs11;

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate-agent.pkcs11");
}

TokenFlags flagsOf(CK_FLAGS flags)
{
    return TokenFlags { (flags & CKF_USER_PIN_INITIALIZED) != 0,
        (flags & CKF_USER_PIN_COUNT_LOW) != 0, (flags & CKF_USER_PIN_FINAL_TRY) != 0,
        (flags & CKF_USER_PIN_LOCKED) != 0, (flags & CKF_LOGIN_REQUIRED) != 0 };
}

/// The algorithm a certificate's key signs with (SPEC §5); nullopt if unsupported.
struct Algorithm {
    std::string name;
    const EVP_MD* digest;
    std::size_t ecFieldSize; ///< 0 for RSA
};

std::optional<Algorithm> algorithmFor(X509* certificate)
{
    EVP_PKEY* key = X509_get0_pubkey(certificate);
    if (!key)
        return std::nullopt;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
        return Algorithm { "RS256", EVP_sha256(), 0 };
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1)
            return std::nullopt;
        std::string name(group, length);
        if (name == "prime256v1" || name == "P-256")
            return Algorithm { "ES256", EVP_sha256(), 32 };
        if (name == "secp384r1" || name == "P-384")
            return Algorithm { "ES384", EVP_sha384(), 48 };
    }
    return std::nullopt;
}

/// Closes every session of the agent on the slot, which ends the login (PKCS#11 §5.6), on
/// every path out of a sign request. Without it the token would stay logged in and the next
/// request's C_Login would answer CKR_USER_ALREADY_LOGGED_IN, which libp11 takes as success
/// whatever PIN was typed.
class SessionCloser {
public:
    SessionCloser(CK_FUNCTION_LIST* functions, CK_SLOT_ID slotId)
        : functions_(functions)
        , slotId_(slotId)
    {
    }
    ~SessionCloser() { functions_->C_CloseAllSessions(slotId_); }
    SessionCloser(const SessionCloser&) = delete;
    SessionCloser& operator=(const SessionCloser&) = delete;

private:
    CK_FUNCTION_LIST* functions_;
    CK_SLOT_ID slotId_;
};

/// Per-token mutexes, so that two requests never interleave PKCS#11 operations on one token.
class TokenLocks {
public:
    std::shared_ptr<std::timed_mutex> forToken(const std::string& label)
    {
        std::lock_guard lock(mutex_);
        auto& entry = locks_[label];
        if (!entry)
            entry = std::make_shared<std::timed_mutex>();
        return entry;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<std::timed_mutex>> locks_;
};

class Pkcs11CardService final : public CardService {
public:
    Pkcs11CardService(std::string modulePath, std::chrono::milliseconds busyTimeout)
        : modulePath_(std::move(modulePath))
        , busyTimeout_(busyTimeout)
        , usesPcsc_(moduleUsesPcsc(modulePath_))
    {
        std::lock_guard lock(moduleMutex_);
        tryLoad();
    }

    HealthStatus health() override
    {
        HealthStatus status;
        status.modulePath = modulePath_;
        {
            std::unique_lock lock(moduleMutex_, busyTimeout_);
            if (lock.owns_lock() && !module_)
                tryLoad();
            status.moduleLoaded = module_ != nullptr;
            if (!status.moduleLoaded)
                status.moduleError = ErrorCode::ModuleLoadFailed;
        }
        if (usesPcsc_)
            status.pcscRunning = pcscdRunning();
        return status;
    }

    std::vector<SlotStatus> tokens() override
    {
        auto lock = lockModule();
        auto* f = module_->functions();
        std::vector<SlotStatus> out;
        for (auto slotId : slotIds(f)) {
            SlotStatus slot;
            slot.slotId = slotId;
            CK_SLOT_INFO slotInfo {};
            if (f->C_GetSlotInfo(slotId, &slotInfo) != CKR_OK)
                continue;
            slot.slotDescription
                = paddedField(slotInfo.slotDescription, sizeof slotInfo.slotDescription);
            slot.reader = slot.slotDescription;
            CK_TOKEN_INFO info {};
            // Raw C_GetTokenInfo on every call: libp11's token struct is a snapshot taken at
            // enumeration and goes stale after a wrong PIN.
            if ((slotInfo.flags & CKF_TOKEN_PRESENT) && f->C_GetTokenInfo(slotId, &info) == CKR_OK
                && (info.flags & CKF_TOKEN_INITIALIZED)) {
                slot.present = true;
                slot.label = paddedField(info.label, sizeof info.label);
                slot.serialNumber = paddedField(info.serialNumber, sizeof info.serialNumber);
                slot.manufacturer = paddedField(info.manufacturerID, sizeof info.manufacturerID);
                slot.model = paddedField(info.model, sizeof info.model);
                slot.flags = flagsOf(info.flags);
                rememberSeen(slot.label);
            }
            out.push_back(std::move(slot));
        }
        return out;
    }

    std::vector<CertificateInfo> certificates(const std::string& tokenLabel) override
    {
        auto tokenLock = lockToken(tokenLabel);
        auto lock = lockModule();
        SlotList slots(module_->context());
        auto* slot = findSlot(slots, tokenLabel);
        auto slotId = PKCS11_get_slotid_from_slot(slot);
        probe(slotId, "reading certificates");
        auto certificates = readCertificates(slot);
        rememberSeen(tokenLabel);
        std::vector<CertificateInfo> out;
        for (const auto& c : certificates)
            out.push_back(c.info);
        return out;
    }

    SignResult sign(const std::string& tokenLabel, const std::string& keyId,
        const SecretBuffer& pin, const Bytes& data) override
    {
        auto tokenLock = lockToken(tokenLabel);
        auto lock = lockModule();
        SlotList slots(module_->context());
        auto* slot = findSlot(slots, tokenLabel);
        auto slotId = PKCS11_get_slotid_from_slot(slot);
        SessionCloser closer(module_->functions(), slotId);
        probe(slotId, "before signing");

        auto flags = freshFlags(slotId);
        if (!flags.pinInitialized)
            throw AgentError(ErrorCode::CardNotInitialised, "user PIN not initialised");
        if (flags.pinLocked)
            throw AgentError(ErrorCode::PinLocked, "token reports the user PIN locked");

        // Choose the certificate before the login so that a card without a usable signing
        // certificate costs the person no PIN attempt.
        auto certificates = readCertificates(slot);
        const TokenCertificate* chosen = nullptr;
        for (const auto& c : certificates) {
            if (!keyId.empty() && c.info.id != keyId)
                continue;
            if (c.info.signing && algorithmFor(c.x509)) {
                chosen = &c;
                break;
            }
        }
        if (!chosen)
            throw AgentError(ErrorCode::NoSigningCertificate,
                keyId.empty() ? "no digitalSignature certificate"
                              : "key " + keyId + " cannot sign");
        auto algorithm = *algorithmFor(chosen->x509);

        login(slot, slotId, pin);
        probe(slotId, "after login");
        auto key = privateKeyFor(slot, chosen->id);
        probe(slotId, "before the signature");
        auto signature = signWith(key.get(), algorithm, data);
        verify(chosen->x509, algorithm, data, signature);
        if (algorithm.ecFieldSize)
            signature = ecdsaDerToRaw(signature, algorithm.ecFieldSize);
        logger().information(
            "signed with key %s of token %s (%s)", chosen->info.id, tokenLabel, algorithm.name);
        return SignResult { chosen->info.der, algorithm.name, std::move(signature) };
    }

private:
    struct TokenCertificate {
        CertificateInfo info;
        X509* x509; ///< owned by libp11, valid while the SlotList lives
        Bytes id;
    };

    // Both called with moduleMutex_ held.
    void tryLoad()
    {
        try {
            module_ = std::make_unique<Pkcs11Module>(modulePath_);
            logger().information("loaded PKCS#11 module %s", modulePath_);
        } catch (const AgentError& e) {
            logger().warning("%s", std::string(e.what()));
        }
    }

    std::unique_lock<std::timed_mutex> lockModule()
    {
        std::unique_lock lock(moduleMutex_, busyTimeout_);
        if (!lock.owns_lock())
            throw AgentError(ErrorCode::Busy, "module busy");
        ERR_clear_error();
        if (!module_)
            tryLoad();
        if (!module_)
            throw AgentError(ErrorCode::ModuleLoadFailed, modulePath_);
        if (usesPcsc_ && !pcscdRunning())
            throw AgentError(ErrorCode::PcscdNotRunning);
        return lock;
    }

    std::unique_lock<std::timed_mutex> lockToken(const std::string& label)
    {
        auto mutex = tokenLocks_.forToken(label);
        std::unique_lock lock(*mutex, busyTimeout_);
        if (!lock.owns_lock())
            throw AgentError(ErrorCode::Busy, "token " + label + " busy");
        return lock;
    }

    std::vector<CK_SLOT_ID> slotIds(CK_FUNCTION_LIST* f)
    {
        CK_ULONG count = 0;
        auto rv = f->C_GetSlotList(CK_FALSE, nullptr, &count);
        if (rv != CKR_OK)
            throwForCkr(rv, "C_GetSlotList");
        std::vector<CK_SLOT_ID> ids(count);
        if (count > 0) {
            rv = f->C_GetSlotList(CK_FALSE, ids.data(), &count);
            if (rv != CKR_OK)
                throwForCkr(rv, "C_GetSlotList");
            ids.resize(count);
        }
        return ids;
    }

    struct RawFind {
        std::size_t readers = 0; ///< counted as /v1/tokens counts them, so both answers agree
        bool found = false;
    };

    RawFind rawFind(const std::string& label)
    {
        auto* f = module_->functions();
        RawFind result;
        for (auto slotId : slotIds(f)) {
            CK_SLOT_INFO slotInfo {};
            if (f->C_GetSlotInfo(slotId, &slotInfo) != CKR_OK)
                continue;
            ++result.readers;
            CK_TOKEN_INFO info {};
            if ((slotInfo.flags & CKF_TOKEN_PRESENT) && f->C_GetTokenInfo(slotId, &info) == CKR_OK
                && paddedField(info.label, sizeof info.label) == label)
                result.found = true;
        }
        return result;
    }

    TokenFlags freshFlags(CK_SLOT_ID slotId)
    {
        CK_TOKEN_INFO info {};
        auto rv = module_->functions()->C_GetTokenInfo(slotId, &info);
        if (rv != CKR_OK)
            throwForCkr(rv, "C_GetTokenInfo");
        return flagsOf(info.flags);
    }

    /// libp11 0.4.12 waits forever in its session pool when C_OpenSession fails (an
    /// uninitialised token, a card pulled out). So before each libp11 call that opens a
    /// session, open and close one ourselves: if that fails, answer instead of calling libp11.
    void probe(CK_SLOT_ID slotId, const char* when)
    {
        auto* f = module_->functions();
        CK_TOKEN_INFO info {};
        auto rv = f->C_GetTokenInfo(slotId, &info);
        if (rv != CKR_OK)
            throwForCkr(rv, std::string("C_GetTokenInfo ") + when);
        if (!(info.flags & CKF_TOKEN_INITIALIZED))
            throw AgentError(ErrorCode::CardNotInitialised, "token not initialised");
        CK_SESSION_HANDLE session = 0;
        rv = f->C_OpenSession(slotId, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
        if (rv != CKR_OK)
            throwForCkr(rv, std::string("C_OpenSession ") + when);
        f->C_CloseSession(session);
    }

    PKCS11_SLOT* findSlot(const SlotList& slots, const std::string& label)
    {
        if (slots.ok()) {
            if (auto* slot = slots.findToken(label)) {
                if (!slot->token->initialized)
                    throw AgentError(ErrorCode::CardNotInitialised, "token not initialised");
                return slot;
            }
        }
        auto ckr = takeLibp11Ckr();
        // Ask the module itself: libp11's enumeration is all or nothing, and one slot in error
        // (SoftHSM2 answers CKR_GENERAL_ERROR for a token deleted under it) fails it entirely.
        auto raw = rawFind(label);
        if (!raw.found) {
            // If it was there a moment ago, the person pulled it out; otherwise it was never
            // inserted.
            if (forgetSeen(label))
                throw AgentError(ErrorCode::CardRemoved,
                    "token " + label + " gone" + (ckr ? " (" + ckrName(*ckr) + ")" : ""));
            if (raw.readers == 0)
                throw AgentError(ErrorCode::NoReader);
            throw AgentError(ErrorCode::NoCard, "no token " + label);
        }
        throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "PKCS11_enumerate_slots");
    }

    std::vector<TokenCertificate> readCertificates(PKCS11_SLOT* slot)
    {
        PKCS11_CERT* certs = nullptr;
        unsigned int count = 0;
        if (PKCS11_enumerate_certs(slot->token, &certs, &count) != 0) {
            auto ckr = takeLibp11Ckr();
            throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "PKCS11_enumerate_certs");
        }
        std::vector<TokenCertificate> out;
        for (unsigned int i = 0; i < count; ++i) {
            if (!certs[i].x509)
                continue;
            Bytes id(certs[i].id, certs[i].id + certs[i].id_len);
            try {
                out.push_back({ describeCertificate(certs[i].x509, hexEncode(id.data(), id.size()),
                                    certs[i].label ? certs[i].label : ""),
                    certs[i].x509, id });
            } catch (const std::exception& e) {
                logger().warning("skipping certificate: %s", std::string(e.what()));
            }
        }
        // Stable order (by CKA_ID): the default certificate must not depend on the card's
        // object order.
        std::stable_sort(out.begin(), out.end(),
            [](const TokenCertificate& a, const TokenCertificate& b) { return a.id < b.id; });
        return out;
    }

    void login(PKCS11_SLOT* slot, CK_SLOT_ID slotId, const SecretBuffer& pin)
    {
        probe(slotId, "before login");
        // Exactly one attempt: cards lock after three wrong PINs (manual), so no retry here
        // or anywhere above.
        if (PKCS11_login(slot, 0, pin.c_str()) == 0)
            return;
        auto rv = takeLibp11Ckr().value_or(CKR_GENERAL_ERROR);
        auto code = errorForCkr(rv);
        if (code != ErrorCode::PinIncorrect && code != ErrorCode::PinLocked)
            throwForCkr(rv, "PKCS11_login");
        // Tell the person how many tries are left, from the flags as they are now.
        TokenFlags flags;
        try {
            flags = freshFlags(slotId);
        } catch (const AgentError&) {
        }
        if (code == ErrorCode::PinLocked || flags.pinLocked)
            throw AgentError(ErrorCode::PinLocked, "PKCS11_login: " + ckrName(rv));
        Poco::JSON::Object facts(Poco::JSON_PRESERVE_KEY_ORDER);
        facts.set("pinCountLow", flags.pinCountLow);
        if (flags.pinFinalTry) {
            facts.set("finalTry", true);
            throw AgentError(ErrorCode::PinFinalTry, "PKCS11_login: " + ckrName(rv), facts);
        }
        throw AgentError(ErrorCode::PinIncorrect, "PKCS11_login: " + ckrName(rv), facts);
    }

    PkeyPtr privateKeyFor(PKCS11_SLOT* slot, const Bytes& id)
    {
        PKCS11_KEY* keys = nullptr;
        unsigned int count = 0;
        if (PKCS11_enumerate_keys(slot->token, &keys, &count) != 0) {
            auto ckr = takeLibp11Ckr();
            throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "PKCS11_enumerate_keys");
        }
        for (unsigned int i = 0; i < count; ++i) {
            if (keys[i].isPrivate && keys[i].id_len == id.size()
                && std::equal(id.begin(), id.end(), keys[i].id)) {
                PkeyPtr key(PKCS11_get_private_key(&keys[i]));
                if (!key) {
                    auto ckr = takeLibp11Ckr();
                    throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "PKCS11_get_private_key");
                }
                return key;
            }
        }
        throw AgentError(ErrorCode::NoSigningCertificate,
            "no private key with CKA_ID " + hexEncode(id.data(), id.size()));
    }

    Bytes signWith(EVP_PKEY* key, const Algorithm& algorithm, const Bytes& data)
    {
        std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
        std::size_t size = 0;
        if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, algorithm.digest, nullptr, key) != 1
            || EVP_DigestSign(ctx.get(), nullptr, &size, data.data(), data.size()) != 1) {
            auto ckr = takeLibp11Ckr();
            throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "EVP_DigestSignInit");
        }
        Bytes signature(size);
        if (EVP_DigestSign(ctx.get(), signature.data(), &size, data.data(), data.size()) != 1) {
            auto ckr = takeLibp11Ckr();
            throwForCkr(ckr.value_or(CKR_GENERAL_ERROR), "EVP_DigestSign");
        }
        signature.resize(size);
        return signature;
    }

    /// A card whose key does not match its certificate would give the server a token it
    /// refuses with SIGNATURE_INVALID; say so here instead.
    void verify(
        X509* certificate, const Algorithm& algorithm, const Bytes& data, const Bytes& signature)
    {
        std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
        if (!ctx
            || EVP_DigestVerifyInit(
                   ctx.get(), nullptr, algorithm.digest, nullptr, X509_get0_pubkey(certificate))
                != 1
            || EVP_DigestVerify(
                   ctx.get(), signature.data(), signature.size(), data.data(), data.size())
                != 1) {
            ERR_clear_error();
            throw AgentError(
                ErrorCode::InternalError, "the signature does not verify with the certificate");
        }
    }

    void rememberSeen(const std::string& label)
    {
        std::lock_guard lock(seenMutex_);
        seen_.insert(label);
    }

    /// Whether the token was seen since it was last reported gone; reporting it gone once is
    /// enough, afterwards it is simply not inserted (NO_CARD).
    bool forgetSeen(const std::string& label)
    {
        std::lock_guard lock(seenMutex_);
        return seen_.erase(label) != 0;
    }

    std::string modulePath_;
    std::chrono::milliseconds busyTimeout_;
    bool usesPcsc_;
    std::timed_mutex moduleMutex_;
    std::unique_ptr<Pkcs11Module> module_;
    TokenLocks tokenLocks_;
    std::mutex seenMutex_;
    std::set<std::string> seen_;
};

} // namespace

std::unique_ptr<CardService> makePkcs11CardService(
    const std::string& modulePath, std::chrono::milliseconds busyTimeout)
{
    return std::make_unique<Pkcs11CardService>(modulePath, busyTimeout);
}

} // namespace certgate::agent
