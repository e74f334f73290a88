#include "Asn1Text.hpp"

#include "OpenSslHandles.hpp"

#include <openssl/objects.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace certgate::x509::asn1 {
namespace {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar, with no
// time_t or time zone involved, so years before 1970 and after 2038 come out right.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

} // namespace

std::string hexUpper(const unsigned char* data, std::size_t size)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0x0F];
    }
    return out;
}

std::string hexUpper(const ASN1_STRING* octets)
{
    if (!octets)
        return {};
    return hexUpper(
        ASN1_STRING_get0_data(octets), static_cast<std::size_t>(ASN1_STRING_length(octets)));
}

std::string oidText(const ASN1_OBJECT* object)
{
    if (!object)
        return {};
    char buffer[128];
    const int length = OBJ_obj2txt(buffer, sizeof buffer, object, 1);
    if (length <= 0)
        return {};
    if (static_cast<std::size_t>(length) < sizeof buffer)
        return std::string(buffer, static_cast<std::size_t>(length));
    std::vector<char> large(static_cast<std::size_t>(length) + 1);
    OBJ_obj2txt(large.data(), length + 1, object, 1);
    return std::string(large.data(), static_cast<std::size_t>(length));
}

std::optional<std::string> utf8(const ASN1_STRING* text)
{
    if (!text)
        return std::nullopt;
    unsigned char* out = nullptr;
    const int length = ASN1_STRING_to_UTF8(&out, text);
    if (length < 0)
        return std::nullopt;
    ossl::Memory owner(out);
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
}

std::optional<std::int64_t> epochSeconds(const ASN1_TIME* time)
{
    std::tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        return std::nullopt;
    const std::int64_t days = daysFromCivil(static_cast<std::int64_t>(tm.tm_year) + 1900,
        static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
    return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

std::optional<std::string> timeText(const ASN1_TIME* time)
{
    std::tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        return std::nullopt;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(buffer);
}

std::optional<std::string> rfc4514(const X509_NAME* name)
{
    ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || !name)
        return std::nullopt;
    // XN_FLAG_RFC2253 escapes every byte above 0x7F; without ESC_MSB the UTF-8 conversion
    // stays, so 內政部憑證管理中心 reads as itself.
    if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return std::nullopt;
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    if (length < 0)
        return std::nullopt;
    return std::string(data, static_cast<std::size_t>(length));
}

std::optional<std::string> serialHex(const ASN1_INTEGER* serial)
{
    ossl::Bignum number(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!number)
        return std::nullopt;
    ossl::Text hex(BN_bn2hex(number.get()));
    if (!hex)
        return std::nullopt;
    std::string text(hex.get());
    std::string sign;
    if (!text.empty() && text.front() == '-') {
        sign = "-";
        text.erase(0, 1);
    }
    const auto first = text.find_first_not_of('0');
    text = first == std::string::npos ? "0" : text.substr(first);
    for (auto& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return sign + text;
}

std::optional<std::string> normaliseKeyId(const std::string& text)
{
    std::string out;
    for (char c : text) {
        if (c == ':' || c == ' ')
            continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (out.empty() || out.size() % 2 != 0)
        return std::nullopt;
    return out;
}

std::string isoTime(std::int64_t t)
{
    std::int64_t days = t / 86400;
    std::int64_t rest = t % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    std::int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civilFromDays(days, y, m, d);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
        static_cast<long long>(y), m, d, static_cast<long long>(rest / 3600),
        static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
    return buffer;
}

} // namespace certgate::x509::asn1
