#include <certgate/ca/common/Validators.hpp>

#include <array>

namespace certgate::ca::common {
namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isUpper(char c)
{
    return c >= 'A' && c <= 'Z';
}
int digitValue(char c)
{
    return c - '0';
}

bool allDigits(std::string_view text)
{
    for (char c : text)
        if (!isDigit(c))
            return false;
    return true;
}

// Letter codes of the national ID (taiwan-pki.md §3): I, O, W, Y and Z are out of order
// because they were added after the original 21 areas.
constexpr std::array<int, 26> kLetterCodes { 10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22,
    35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33 };

int letterCode(char c)
{
    return kLetterCodes[static_cast<std::size_t>(c - 'A')];
}

// `second` is the value of the 2nd character: the digit itself, or for old resident
// numbers the units digit of the second letter's code.
bool checksumOk(std::string_view id, int second)
{
    int code = letterCode(id[0]);
    int sum = code / 10 + (code % 10) * 9 + second * 8;
    constexpr std::array<int, 7> kWeights { 7, 6, 5, 4, 3, 2, 1 };
    for (std::size_t i = 0; i < kWeights.size(); ++i)
        sum += digitValue(id[i + 2]) * kWeights[i];
    sum += digitValue(id[9]);
    return sum % 10 == 0;
}

int productDigitSum(int product)
{
    return product / 10 + product % 10;
}

char upperHex(char c)
{
    if (c >= 'a' && c <= 'f')
        return static_cast<char>(c - 'a' + 'A');
    return c;
}

bool isHex(char c)
{
    return isDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

} // namespace

std::optional<PersonIdKind> classifyPersonId(std::string_view id)
{
    if (id.size() != 10 || !isUpper(id[0]) || !allDigits(id.substr(2)))
        return std::nullopt;
    char second = id[1];
    if (second == '1' || second == '2')
        return checksumOk(id, digitValue(second)) ? std::optional { PersonIdKind::NationalId }
                                                  : std::nullopt;
    if (second == '8' || second == '9')
        return checksumOk(id, digitValue(second))
            ? std::optional { PersonIdKind::NewResidentNumber }
            : std::nullopt;
    if (second >= 'A' && second <= 'D')
        return checksumOk(id, letterCode(second) % 10)
            ? std::optional { PersonIdKind::OldResidentNumber }
            : std::nullopt;
    return std::nullopt;
}

bool isValidNationalId(std::string_view id, std::chrono::year_month_day onDate)
{
    auto kind = classifyPersonId(id);
    if (!kind)
        return false;
    if (*kind == PersonIdKind::OldResidentNumber)
        return onDate < kOldResidentNumbersEnd;
    return true;
}

bool isValidUbn(std::string_view ubn)
{
    if (ubn.size() != 8 || !allDigits(ubn))
        return false;
    constexpr std::array<int, 8> kWeights { 1, 2, 1, 2, 1, 2, 4, 1 };
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size(); ++i)
        sum += productDigitSum(digitValue(ubn[i]) * kWeights[i]);
    if (sum % 5 == 0)
        return true;
    // 7 × 4 = 28, whose digit sum 10 may be read as 1 or as 0 (MOF rule).
    return ubn[6] == '7' && (sum + 1) % 5 == 0;
}

bool isValidInstitutionCode(std::string_view code)
{
    if (code.size() != 10)
        return false;
    for (char c : code)
        if (!isDigit(c) && !isUpper(c))
            return false;
    return true;
}

bool isValidCardNumber(std::string_view cardNumber)
{
    return cardNumber.size() == 16 && isUpper(cardNumber[0]) && isUpper(cardNumber[1])
        && allDigits(cardNumber.substr(2));
}

std::optional<std::string> normaliseSerial(std::string_view serial)
{
    std::string out;
    bool sawDigit = false;
    for (char c : serial) {
        if (c == ' ' || c == ':' || c == '-')
            continue;
        if (!isHex(c))
            return std::nullopt;
        sawDigit = true;
        if (out.empty() && c == '0')
            continue;
        if (out.size() == kMaxSerialHexDigits)
            return std::nullopt;
        out.push_back(upperHex(c));
    }
    if (!sawDigit)
        return std::nullopt;
    if (out.empty())
        out.push_back('0'); // not `out = "0"`: GCC 12 at -O2 warns falsely (-Wrestrict, PR 105329)
    return out;
}

bool isValidCertificateSerial(std::string_view serial)
{
    auto normalised = normaliseSerial(serial);
    return normalised && *normalised != "0";
}

bool isValidOid(std::string_view oid)
{
    std::size_t arcs = 0;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = oid.find('.', start);
        std::string_view arc = oid.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (arc.empty() || !allDigits(arc) || (arc.size() > 1 && arc[0] == '0'))
            return false;
        ++arcs;
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    return arcs >= 2;
}

bool isOidUnder(std::string_view oid, std::string_view arc)
{
    return isValidOid(oid) && isValidOid(arc) && oid.size() > arc.size() + 1
        && oid.substr(0, arc.size()) == arc && oid[arc.size()] == '.';
}

std::chrono::year_month_day taipeiDate(std::chrono::system_clock::time_point when)
{
    return std::chrono::year_month_day { std::chrono::floor<std::chrono::days>(
        when + std::chrono::hours { 8 }) };
}

} // namespace certgate::ca::common
