#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/PiiProtector.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace certgate::core {
namespace {

constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kFirstKeyPrefix = "v1:";
constexpr std::string_view kKeyedPrefix = "v2:";
const std::string kFirstKey = "1";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string upper(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

/// A key derived from a master key, wiped when it goes.
class DerivedKey {
public:
    DerivedKey(const std::vector<std::uint8_t>& master, const char* info)
        : bytes_(hkdfSha256(master, info, 32))
    {
    }
    ~DerivedKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
    DerivedKey(const DerivedKey&) = delete;
    DerivedKey& operator=(const DerivedKey&) = delete;
    const std::vector<std::uint8_t>& bytes() const { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
};

/// The key id is authenticated with the ciphertext (a value relabelled with another key id
/// fails even where two keys were alike); key 1's first spelling had none.
std::string associatedData(const std::string& keyId)
{
    return keyId == kFirstKey ? std::string() : "certgate pii key " + keyId;
}

constexpr const char* kEncryptionInfo = "certgate pii aes-256-gcm v1";
constexpr const char* kHashInfo = "certgate pii lookup hmac v1";

} // namespace

PiiProtector::PiiProtector(std::shared_ptr<const KeyRing> ring)
    : ring_(std::move(ring))
{
}

PiiProtector::PiiProtector(const std::vector<std::uint8_t>& masterKey)
    : ring_(std::make_shared<KeyRing>(masterKey))
{
}

std::string PiiProtector::ciphertextPrefix(const std::string& keyId)
{
    return keyId == kFirstKey ? std::string(kFirstKeyPrefix)
                              : std::string(kKeyedPrefix) + keyId + ":";
}

std::string PiiProtector::keyIdOf(const std::string& ciphertext)
{
    if (ciphertext.rfind(kFirstKeyPrefix, 0) == 0)
        return kFirstKey;
    if (ciphertext.rfind(kKeyedPrefix, 0) != 0)
        return {};
    auto end = ciphertext.find(':', kKeyedPrefix.size());
    if (end == std::string::npos)
        return {};
    auto id = ciphertext.substr(kKeyedPrefix.size(), end - kKeyedPrefix.size());
    return KeyRing::validId(id) && id != kFirstKey ? id : std::string {};
}

std::string PiiProtector::encrypt(const std::string& plaintext) const
{
    const auto current = ring_->current();
    const DerivedKey key(*current.bytes, kEncryptionInfo);
    auto iv = randomBytes(kIvBytes);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    Bytes out(kIvBytes + plaintext.size() + kTagBytes);
    std::copy(iv.begin(), iv.end(), out.begin());
    const auto prefix = ciphertextPrefix(current.id);
    const auto aad = associatedData(current.id);
    int length = 0;
    if (!ctx
        || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), iv.data())
            != 1
        || EVP_EncryptUpdate(ctx.get(), nullptr, &length,
               reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()))
            != 1
        || EVP_EncryptUpdate(ctx.get(), out.data() + kIvBytes, &length,
               reinterpret_cast<const unsigned char*>(plaintext.data()),
               static_cast<int>(plaintext.size()))
            != 1
        || EVP_EncryptFinal_ex(ctx.get(), out.data() + kIvBytes + length, &length) != 1
        || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
               out.data() + kIvBytes + plaintext.size())
            != 1)
        throw Error(ErrorCode::InternalError, "AES-GCM encryption failed");
    return prefix + encodeBase64(out);
}

std::string PiiProtector::decrypt(const std::string& ciphertext) const
{
    const auto keyId = keyIdOf(ciphertext);
    if (keyId.empty())
        throw Error(ErrorCode::InternalError, "unknown personal-data ciphertext version");
    const auto master = ring_->key(keyId);
    const DerivedKey key(*master, kEncryptionInfo);
    auto raw
        = decodeBase64Strict(std::string_view(ciphertext).substr(ciphertextPrefix(keyId).size()));
    if (!raw || raw->size() < kIvBytes + kTagBytes)
        throw Error(ErrorCode::InternalError, "personal-data ciphertext malformed");
    auto textLength = raw->size() - kIvBytes - kTagBytes;
    const auto aad = associatedData(keyId);
    std::string plain(textLength, '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int length = 0;
    if (!ctx
        || EVP_DecryptInit_ex(
               ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), raw->data())
            != 1
        || EVP_DecryptUpdate(ctx.get(), nullptr, &length,
               reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()))
            != 1
        || EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &length,
               raw->data() + kIvBytes, static_cast<int>(textLength))
            != 1
        || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
               raw->data() + kIvBytes + textLength)
            != 1
        || EVP_DecryptFinal_ex(
               ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + length, &length)
            != 1) {
        wipe(plain);
        throw Error(ErrorCode::InternalError, "personal-data ciphertext failed authentication");
    }
    return plain;
}

std::string PiiProtector::hashUnder(const std::string& keyId,
    const std::vector<std::uint8_t>& master, const std::string& nationalId) const
{
    const DerivedKey key(master, kHashInfo);
    auto hex = toHex(hmacSha256(key.bytes(), upper(nationalId)));
    return keyId == kFirstKey ? hex : keyId + ":" + hex;
}

std::string PiiProtector::hash(const std::string& nationalId) const
{
    const auto current = ring_->current();
    return hashUnder(current.id, *current.bytes, nationalId);
}

bool PiiProtector::matches(const std::string& storedHash, const std::string& nationalId) const
{
    const auto colon = storedHash.find(':');
    const auto keyId = colon == std::string::npos ? kFirstKey : storedHash.substr(0, colon);
    if (!KeyRing::validId(keyId))
        return false;
    return equalConstantTime(hashUnder(keyId, *ring_->key(keyId), nationalId), storedHash);
}

std::string PiiProtector::mask(const std::string& nationalId)
{
    if (nationalId.size() <= 6)
        return std::string(nationalId.size(), '*');
    return nationalId.substr(0, 3) + std::string(nationalId.size() - 6, '*')
        + nationalId.substr(nationalId.size() - 3);
}

} // namespace certgate::core
