#include "HipkiCardReader.hpp"

#include "pkcs11/Pkcs11Errors.hpp"

#include <certgate/test/HipkiSignatures.hpp>

#include <Poco/JSON/Array.h>
#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace certgate::test::hipki {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::string text(X509_NAME* name)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(std::max(0L, length)));
}

std::string commonName(X509_NAME* name)
{
    const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (at < 0)
        return {};
    unsigned char* utf8 = nullptr;
    const int length
        = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    if (length < 0)
        return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return out;
}

/// yyMMddHHmmssZ, as HiPKI writes notBefore / notAfter.
std::string shortTime(const ASN1_TIME* time)
{
    std::tm tm {};
    ASN1_TIME_to_tm(time, &tm);
    char out[24];
    std::strftime(out, sizeof out, "%Y%m%d%H%M%SZ", &tm);
    return std::string(out + 2); // two-digit year, as HiPKI writes it
}

std::string hex(const unsigned char* data, std::size_t size)
{
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

std::string usage(X509* certificate)
{
    const auto bits = X509_get_key_usage(certificate);
    if (bits & KU_KEY_CERT_SIGN)
        return "keyCertSign|cRLSign";
    if (bits & KU_DIGITAL_SIGNATURE)
        return "digitalSignature";
    return "keyEncipherment|dataEncipherment";
}

Poco::JSON::Object::Ptr describe(const PKCS11_CERT& certificate)
{
    X509* x509 = certificate.x509;
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("certb64", base64(certificateDer(x509)));
    out->set("label", certificate.label ? certificate.label : "");
    out->set("usage", usage(x509));
    out->set("issuerDN", text(X509_get_issuer_name(x509)));
    out->set("subjectDN", text(X509_get_subject_name(x509)));
    out->set("subjectCN", commonName(X509_get_subject_name(x509)));
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x509);
    out->set("sn", hex(serial->data, static_cast<std::size_t>(serial->length)));
    out->set("notBefore", shortTime(X509_get0_notBefore(x509)));
    out->set("notAfter", shortTime(X509_get0_notAfter(x509)));
    unsigned char sha1[20];
    unsigned int length = sizeof sha1;
    X509_digest(x509, EVP_sha1(), sha1, &length);
    out->set("thumbprint", hex(sha1, length));
    return out;
}

/// The signing certificate: the one whose key usage has digitalSignature.
const PKCS11_CERT* signingCertificate(PKCS11_CERT* certificates, unsigned int count)
{
    for (unsigned int i = 0; i < count; ++i)
        if (X509_get_key_usage(certificates[i].x509) & KU_DIGITAL_SIGNATURE)
            return &certificates[i];
    return nullptr;
}

std::unique_ptr<EVP_PKEY, PkeyFree> privateKey(PKCS11_SLOT* slot, const PKCS11_CERT& certificate)
{
    PKCS11_KEY* keys = nullptr;
    unsigned int count = 0;
    if (PKCS11_enumerate_keys(slot->token, &keys, &count) != 0)
        throw HipkiFailure(code::KeyNotFound, code::FunctionFailed, "PKCS11_enumerate_keys");
    for (unsigned int i = 0; i < count; ++i)
        if (keys[i].isPrivate && keys[i].id_len == certificate.id_len
            && std::equal(keys[i].id, keys[i].id + keys[i].id_len, certificate.id))
            if (auto* key = PKCS11_get_private_key(&keys[i]))
                return std::unique_ptr<EVP_PKEY, PkeyFree>(key);
    throw HipkiFailure(
        code::KeyNotFound, code::FunctionFailed, "no private key for the certificate");
}

Poco::JSON::Object::Ptr answer(const char* func)
{
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("func", func);
    out->set("ret_code", 0);
    out->set("last_error", 0);
    return out;
}

} // namespace

HipkiCardReader::HipkiCardReader(const std::string& module, std::string card, bool reader)
    : module_(module)
    , card_(std::move(card))
    , reader_(reader)
{
}

void HipkiCardReader::countPinTries(int tries)
{
    std::lock_guard lock(mutex_);
    pinTries_ = tries;
}

void HipkiCardReader::lock(const std::string& card)
{
    std::lock_guard lock(mutex_);
    locked_.insert(card);
}

void HipkiCardReader::login(PKCS11_SLOT* slot, const std::string& pin)
{
    if (locked_.contains(card_))
        throw HipkiFailure(code::CardLoginFailed, code::CardLocked, "card locked");
    if (PKCS11_login(slot, 0, pin.c_str()) == 0) {
        wrongPins_.erase(card_);
        return;
    }
    const auto rv = agent::pkcs11::takeLibp11Ckr().value_or(CKR_GENERAL_ERROR);
    auto minor = rv == CKR_PIN_INCORRECT ? code::WrongPin
        : rv == CKR_PIN_LEN_RANGE        ? code::WrongPinLength
        : rv == CKR_PIN_LOCKED           ? code::CardLocked
                                         : code::FunctionFailed;
    if (minor == code::WrongPin && pinTries_ > 0) {
        const int left = pinTries_ - ++wrongPins_[card_];
        if (left <= 0)
            locked_.insert(card_);
        minor = left <= 0 ? code::CardLocked
            : left == 1   ? code::WrongPinOneTryLeft
            : left == 2   ? code::WrongPinTwoTriesLeft
                          : code::WrongPin;
    }
    throw HipkiFailure(code::CardLoginFailed, minor, "card login failed");
}

void HipkiCardReader::insert(std::string card)
{
    std::lock_guard lock(mutex_);
    card_ = std::move(card);
}

std::string HipkiCardReader::slotDescription() const
{
    return "certgate HiPKI double reader 0";
}

Poco::JSON::Object::Ptr HipkiCardReader::info(bool withCertificates)
{
    std::lock_guard lock(mutex_);
    auto out = answer("pkcs11info");
    Poco::JSON::Array::Ptr slots = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr slotJson = new Poco::JSON::Object;
    slotJson->set("slotDescription", slotDescription());
    if (!reader_) {
        out->set("slots", slots);
        return out;
    }
    agent::pkcs11::SlotList slots11(module_.context());
    if (auto* slot = card_.empty() ? nullptr : slots11.findToken(card_)) {
        Poco::JSON::Object::Ptr token = new Poco::JSON::Object;
        token->set("serialNumber", slot->token->serialnr ? slot->token->serialnr : "");
        if (withCertificates) {
            PKCS11_CERT* certificates = nullptr;
            unsigned int count = 0;
            Poco::JSON::Array::Ptr certs = new Poco::JSON::Array;
            if (PKCS11_enumerate_certs(slot->token, &certificates, &count) == 0)
                for (unsigned int i = 0; i < count; ++i)
                    certs->add(describe(certificates[i]));
            token->set("certs", certs);
        }
        slotJson->set("token", token);
    }
    slots->add(slotJson);
    out->set("slots", slots);
    return out;
}

Poco::JSON::Object::Ptr HipkiCardReader::sign(SignRequest& request)
{
    struct Wipe {
        std::string& pin;
        ~Wipe() { OPENSSL_cleanse(pin.data(), pin.size()); }
    } wipe { request.pin };
    std::lock_guard lock(mutex_);
    if (!reader_)
        throw HipkiFailure(code::NoReader, 0, "no card reader");
    agent::pkcs11::SlotList slots(module_.context());
    auto* slot = card_.empty() ? nullptr : slots.findToken(card_);
    if (!slot)
        throw HipkiFailure(code::NoCard, 0, "no card in the reader");
    if (request.pin.empty())
        throw HipkiFailure(code::NoPin, 0, "no PIN");
    // Exactly one login attempt, as any careful signer: cards lock after three wrong PINs.
    login(slot, request.pin);
    PKCS11_CERT* certificates = nullptr;
    unsigned int count = 0;
    if (PKCS11_enumerate_certs(slot->token, &certificates, &count) != 0)
        throw HipkiFailure(code::CertificateNotFound, code::FunctionFailed, "cannot read certs");
    const PKCS11_CERT* certificate = signingCertificate(certificates, count);
    if (!certificate)
        throw HipkiFailure(code::CertificateNotFound, 0, "no signing certificate");
    auto key = privateKey(slot, *certificate);
    const EVP_MD* digest = digestNamed(request.hashAlgorithm);
    if (!digest)
        throw HipkiFailure(code::BadParameter, 0, "hashAlgorithm");
    Bytes signature;
    const std::string serial = slot->token->serialnr ? slot->token->serialnr : "";
    try {
        if (request.signatureType == "PKCS7") {
            Pkcs7Options options;
            options.digest = digest;
            if (!request.nonce.empty())
                options.nonce = request.nonce;
            if (request.withCardSN)
                options.cardSerialNumber = serial;
            signature = makePkcs7(key.get(), certificate->x509, request.tbs, options);
        } else {
            signature = makePkcs1(key.get(), request.tbs, digest);
        }
    } catch (const std::exception& e) {
        throw HipkiFailure(code::SigningFailed, code::FunctionFailed, e.what());
    }
    auto out = answer("sign");
    out->set("message", "");
    out->set("signature", base64(signature));
    out->set("certb64", base64(certificateDer(certificate->x509)));
    if (request.withCardSN)
        out->set("cardSN", serial);
    return out;
}

} // namespace certgate::test::hipki
