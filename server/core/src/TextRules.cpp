#include <certgate/core/Error.hpp>
#include <certgate/core/TextRules.hpp>

#include <algorithm>
#include <regex>

namespace certgate::core::text {

std::string trimmed(const std::string& text)
{
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::string upper(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

namespace {

/// UTF-8 sequence at `i` decoded (invalid bytes as themselves); `length` set to its bytes.
char32_t decodeAt(const std::string& s, std::size_t i, std::size_t& length)
{
    auto byte = [&](std::size_t k) {
        return static_cast<unsigned char>(s[k]);
    };
    auto c = byte(i);
    length = 1;
    auto continuation = [&](std::size_t n) {
        for (std::size_t k = 1; k <= n; ++k)
            if (i + k >= s.size() || (byte(i + k) & 0xC0) != 0x80)
                return false;
        return true;
    };
    if (c >= 0xC0 && c < 0xE0 && continuation(1)) {
        length = 2;
        return (char32_t(c & 0x1F) << 6) | (byte(i + 1) & 0x3F);
    }
    if (c >= 0xE0 && c < 0xF0 && continuation(2)) {
        length = 3;
        return (char32_t(c & 0x0F) << 12) | (char32_t(byte(i + 1) & 0x3F) << 6)
            | (byte(i + 2) & 0x3F);
    }
    if (c >= 0xF0 && c < 0xF8 && continuation(3)) {
        length = 4;
        return (char32_t(c & 0x07) << 18) | (char32_t(byte(i + 1) & 0x3F) << 12)
            | (char32_t(byte(i + 2) & 0x3F) << 6) | (byte(i + 3) & 0x3F);
    }
    return c;
}

bool forbidden(char32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x200B && c <= 0x200F)
        || (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;
}

const std::regex kEmail(R"(^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$)");
const std::regex kPhone(R"(^[0-9()+\- ]{6,20}$)");
const std::regex kExtension(R"(^[0-9]{0,8}$)");

void requirePattern(const std::string& value, const std::regex& pattern, const std::string& field)
{
    if (!std::regex_match(value, pattern))
        throw Error(ErrorCode::InvalidInput, field + " is malformed", field);
}

} // namespace

std::size_t findForbiddenCharacter(const std::string& text, std::string_view allowed)
{
    std::size_t length = 1;
    for (std::size_t i = 0; i < text.size(); i += length) {
        auto c = decodeAt(text, i, length);
        if (forbidden(c) && !(c < 0x80 && allowed.find(static_cast<char>(c)) != allowed.npos))
            return i;
    }
    return std::string::npos;
}

std::string requireText(
    const std::string& value, const std::string& field, std::size_t maxCharacters)
{
    auto text = trimmed(value);
    if (text.empty())
        throw Error(ErrorCode::InvalidInput, field + " is required", field);
    std::size_t characters = 0;
    std::size_t length = 1;
    for (std::size_t i = 0; i < text.size(); i += length) {
        if (forbidden(decodeAt(text, i, length)))
            throw Error(ErrorCode::InvalidInput,
                field + " has a control or invisible formatting character", field);
        ++characters;
    }
    if (characters > maxCharacters)
        throw Error(ErrorCode::InvalidInput, field + " is too long", field);
    return text;
}

void requireEmail(const std::string& value, const std::string& field)
{
    requirePattern(value, kEmail, field);
}
void requirePhone(const std::string& value, const std::string& field)
{
    requirePattern(value, kPhone, field);
}
void requireExtension(const std::string& value, const std::string& field)
{
    requirePattern(value, kExtension, field);
}

std::string normaliseSerial(const std::string& serial)
{
    std::string out;
    for (char c : serial) {
        if (c == ' ' || c == ':' || c == '-')
            continue;
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    auto first = out.find_first_not_of('0');
    return first == std::string::npos ? (out.empty() ? out : "0") : out.substr(first);
}

void checkLastFour(
    const std::string& nationalId, const std::string& idLast4, const std::string& whose)
{
    if (!idLast4.empty()
        && (nationalId.size() < 4 || nationalId.substr(nationalId.size() - 4) != idLast4))
        throw Error(ErrorCode::IdMismatch, "last four digits differ from " + whose, "nationalId");
}

std::string normaliseRegion(std::string region)
{
    const std::string tai = "台";
    const std::string formal = "臺";
    for (auto pos = region.find(tai); pos != std::string::npos;
         pos = region.find(tai, pos + formal.size()))
        region.replace(pos, tai.size(), formal);
    return region;
}

} // namespace certgate::core::text
