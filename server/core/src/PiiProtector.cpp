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
constexpr std::string_view kPrefix = "v1:";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string upper(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

} // namespace

PiiProtector::PiiProtector(const std::vector<std::uint8_t>& masterKey)
{
    if (masterKey.size() < 32)
        throw std::invalid_argument("the personal-data key must be at least 32 bytes");
    encryptionKey_ = hkdfSha256(masterKey, "certgate pii aes-256-gcm v1", 32);
    hashKey_ = hkdfSha256(masterKey, "certgate pii lookup hmac v1", 32);
}

PiiProtector::~PiiProtector()
{
    OPENSSL_cleanse(encryptionKey_.data(), encryptionKey_.size());
    OPENSSL_cleanse(hashKey_.data(), hashKey_.size());
}

std::string PiiProtector::encrypt(const std::string& plaintext) const
{
    auto iv = randomBytes(kIvBytes);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    Bytes out(kIvBytes + plaintext.size() + kTagBytes);
    std::copy(iv.begin(), iv.end(), out.begin());
    int length = 0;
    if (!ctx
        || EVP_EncryptInit_ex(
               ctx.get(), EVP_aes_256_gcm(), nullptr, encryptionKey_.data(), iv.data())
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
    return std::string(kPrefix) + encodeBase64(out);
}

std::string PiiProtector::decrypt(const std::string& ciphertext) const
{
    if (ciphertext.rfind(kPrefix, 0) != 0)
        throw Error(ErrorCode::InternalError, "unknown personal-data ciphertext version");
    auto raw = decodeBase64Strict(std::string_view(ciphertext).substr(kPrefix.size()));
    if (!raw || raw->size() < kIvBytes + kTagBytes)
        throw Error(ErrorCode::InternalError, "personal-data ciphertext malformed");
    auto textLength = raw->size() - kIvBytes - kTagBytes;
    std::string plain(textLength, '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int length = 0;
    if (!ctx
        || EVP_DecryptInit_ex(
               ctx.get(), EVP_aes_256_gcm(), nullptr, encryptionKey_.data(), raw->data())
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

std::string PiiProtector::hash(const std::string& nationalId) const
{
    return toHex(hmacSha256(hashKey_, upper(nationalId)));
}

std::string PiiProtector::mask(const std::string& nationalId)
{
    if (nationalId.size() <= 6)
        return std::string(nationalId.size(), '*');
    return nationalId.substr(0, 3) + std::string(nationalId.size() - 6, '*')
        + nationalId.substr(nationalId.size() - 3);
}

} // namespace certgate::core
