#include "TokenJson.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/core/HipkiToken.hpp>

#include <ctime>

namespace certgate::core {
namespace {

constexpr std::string_view kFormat = "hipki-sign:1";
constexpr std::size_t kMaxCmsBytes = 24 * 1024;
constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
constexpr std::size_t kMaxSignatureBytes = 1024;
const std::set<std::string> kPkcs7Members { "format", "signatureType", "signature" };
const std::set<std::string> kPkcs1Members { "format", "signatureType", "hashAlgorithm", "signature",
    "certificate" };
const std::set<std::string> kHashes { "SHA256", "SHA384", "SHA512" };

// RFC 3986 unreserved characters but '~', which separates the fields: neither
// encodeURIComponent nor application/x-www-form-urlencoded (nor a '+' → %2B fix-up) changes
// any of them, so the bytes HiPKI signs do not depend on which decoding it applies.
bool unchangedByUriEncoding(std::string_view text)
{
    for (char c : text) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return !text.empty();
}

std::string field(std::string_view text, const char* what)
{
    if (!unchangedByUriEncoding(text))
        throw Error(ErrorCode::InternalError,
            std::string("cannot write the ") + what + " into the HiPKI text");
    return std::string(text);
}

std::string compactUtc(std::int64_t at)
{
    const auto seconds = static_cast<std::time_t>(at);
    std::tm utc {};
    if (!gmtime_r(&seconds, &utc))
        throw Error(ErrorCode::InternalError, "issue time out of range");
    char out[32];
    std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &utc);
    return out;
}

std::string base64Url(std::string_view base64)
{
    std::string out;
    for (char c : base64) {
        if (c == '=')
            break;
        out.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
    }
    return out;
}

} // namespace

HipkiToken parseHipkiToken(std::string_view json)
{
    return tokenjson::hipkiTokenFrom(*tokenjson::parseObject(json));
}

HipkiToken tokenjson::hipkiTokenFrom(const Poco::JSON::Object& object)
{
    if (requireString(object, "format") != kFormat)
        malformed("format is not hipki-sign:1");
    HipkiToken token;
    const auto type = requireString(object, "signatureType");
    if (type == "PKCS7") {
        requireKnownMembers(object, kPkcs7Members);
        token.type = HipkiToken::Type::Pkcs7;
        token.signature = requireBase64(object, "signature", kMaxCmsBytes);
        return token;
    }
    if (type != "PKCS1")
        malformed("signatureType " + type.substr(0, 16) + " is not PKCS7 or PKCS1");
    requireKnownMembers(object, kPkcs1Members);
    token.type = HipkiToken::Type::Pkcs1;
    token.hashAlgorithm = requireString(object, "hashAlgorithm");
    if (!kHashes.contains(token.hashAlgorithm))
        malformed("hashAlgorithm " + token.hashAlgorithm.substr(0, 16) + " is not allowed");
    token.signature = requireBase64(object, "signature", kMaxSignatureBytes);
    token.certificate = requireBase64(object, "certificate", kMaxCertificateBytes);
    return token;
}

std::string hipkiToBeSigned(std::string_view origin, std::string_view flowType,
    std::string_view step, std::string_view nonce, std::int64_t issuedAt)
{
    const auto schemeEnd = origin.find("://");
    if (schemeEnd == std::string_view::npos)
        throw Error(ErrorCode::InternalError, "origin without a scheme");
    const auto scheme = origin.substr(0, schemeEnd);
    auto authority = origin.substr(schemeEnd + 3);
    std::string_view port;
    if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        port = authority.substr(colon + 1);
        authority = authority.substr(0, colon);
    }
    std::string text = "certgate-hipki-1~" + field(scheme, "scheme") + "~"
        + field(authority, "host") + "~" + (port.empty() ? "" : field(port, "port")) + "~"
        + field(flowType, "flow type") + "~" + field(step, "step") + "~" + compactUtc(issuedAt)
        + "~" + field(base64Url(nonce), "nonce");
    return text;
}

} // namespace certgate::core
