#include "TokenJson.hpp"

#include <certgate/core/AuthToken.hpp>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <set>

namespace certgate::core {
namespace {

constexpr std::string_view kFormat = "certgate-auth:1";
const std::set<std::string> kAlgorithms { "RS256", "PS256", "ES256", "ES384" };
const std::set<std::string> kMembers { "format", "certificate", "algorithm", "signature",
    "agentVersion" };
constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
constexpr std::size_t kMaxSignatureBytes = 1024;

} // namespace

std::optional<Bytes> decodeBase64Strict(std::string_view text)
{
    if (text.empty() || text.size() % 4 != 0)
        return std::nullopt;
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '+' || c == '/';
        if (c == '=') {
            if (i < text.size() - 2)
                return std::nullopt;
            ++padding;
        } else if (!alphabet || padding > 0) {
            return std::nullopt;
        }
    }
    Bytes out(text.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
        static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);
    // Canonical form only: re-encoding must give the same text (no stray bits in the padding).
    if (encodeBase64(out) != text)
        return std::nullopt;
    return out;
}

std::string encodeBase64(const Bytes& bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

AuthToken parseAuthToken(std::string_view json)
{
    return tokenjson::authTokenFrom(*tokenjson::parseObject(json));
}

AuthToken tokenjson::authTokenFrom(const Poco::JSON::Object& object)
{
    requireKnownMembers(object, kMembers);
    if (requireString(object, "format") != kFormat)
        malformed("format is not certgate-auth:1");
    AuthToken token;
    token.algorithm = requireString(object, "algorithm");
    if (!kAlgorithms.contains(token.algorithm))
        malformed("algorithm " + token.algorithm.substr(0, 16) + " is not allowed");
    token.certificate = requireBase64(object, "certificate", kMaxCertificateBytes);
    token.signature = requireBase64(object, "signature", kMaxSignatureBytes);
    if (object.has("agentVersion")) {
        token.agentVersion = requireString(object, "agentVersion");
        if (token.agentVersion.size() > 32)
            malformed("agentVersion too long");
    }
    return token;
}

Bytes signedData(std::string_view origin, std::string_view nonce)
{
    Bytes data(2 * SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(), data.data());
    SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(),
        data.data() + SHA256_DIGEST_LENGTH);
    return data;
}

} // namespace certgate::core
