#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>

namespace certgate::core {

std::vector<std::uint8_t> randomBytes(std::size_t count)
{
    std::vector<std::uint8_t> out(count);
    if (RAND_bytes(out.data(), static_cast<int>(count)) != 1)
        throw Error(ErrorCode::InternalError, "RAND_bytes failed");
    return out;
}

std::string randomToken(std::size_t bytes)
{
    static constexpr char kAlphabet[]
        = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto raw = randomBytes(bytes);
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (auto b : raw) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
        }
    }
    if (bits > 0)
        out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
    return out;
}

std::string toHex(const std::vector<std::uint8_t>& bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    return out;
}

std::string randomId()
{
    return toHex(randomBytes(16));
}

std::string sha256Hex(std::string_view data)
{
    std::vector<std::uint8_t> digest(SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    return toHex(digest);
}

std::vector<std::uint8_t> hmacSha256(const std::vector<std::uint8_t>& key, std::string_view data)
{
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length))
        throw Error(ErrorCode::InternalError, "HMAC failed");
    out.resize(length);
    return out;
}

std::vector<std::uint8_t> hkdfSha256(
    const std::vector<std::uint8_t>& key, std::string_view info, std::size_t length)
{
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), EVP_PKEY_CTX_free);
    std::vector<std::uint8_t> out(length);
    std::size_t outLength = length;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0
        || EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0
        || EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), key.data(), static_cast<int>(key.size())) <= 0
        || EVP_PKEY_CTX_add1_hkdf_info(ctx.get(),
               reinterpret_cast<const unsigned char*>(info.data()), static_cast<int>(info.size()))
            <= 0
        || EVP_PKEY_derive(ctx.get(), out.data(), &outLength) <= 0)
        throw Error(ErrorCode::InternalError, "HKDF failed");
    return out;
}

bool equalConstantTime(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(std::string& secret)
{
    if (!secret.empty())
        OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

} // namespace certgate::core
