#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

/// Format checks for the identifiers of Taiwan's PKI (shared/reference/taiwan-pki.md §3).
/// Pure functions, no clock, no locale: the caller passes the date where a rule depends on it.
namespace certgate::ca::common {

enum class PersonIdKind {
    NationalId, ///< 身分證統一編號: letter, 1|2, 8 digits
    NewResidentNumber, ///< 新式統一證號 (since 2021-01-02): letter, 8|9, 8 digits
    OldResidentNumber, ///< 舊式統一證號: letter, A-D, 8 digits; invalid from 2031-01-01
};

/// The kind of a well-formed, checksum-valid personal ID, or nullopt. Ignores dates.
std::optional<PersonIdKind> classifyPersonId(std::string_view id);

/// The first day on which old-format (two-letter) resident numbers are no longer valid.
inline constexpr std::chrono::year_month_day kOldResidentNumbersEnd { std::chrono::year { 2031 },
    std::chrono::January, std::chrono::day { 1 } };

/// A national ID, a new-format resident number, or (before 2031-01-01) an old-format resident
/// number, each with a valid checksum. `onDate` is the date the number is used (Asia/Taipei).
bool isValidNationalId(std::string_view id, std::chrono::year_month_day onDate);

/// 統一編號: 8 digits, weights 1,2,1,2,1,2,4,1, digit sums of the products added; valid when the
/// sum is divisible by 5, or, when the 7th digit is 7, when sum + 1 is. The pre-2023-04-01
/// mod-10 rule needs no separate check: every number valid under it is valid under mod 5.
bool isValidUbn(std::string_view ubn);

/// 醫事機構代碼: ^[0-9A-Z]{10}$ (whether letters occur is unconfirmed, so they are allowed).
bool isValidInstitutionCode(std::string_view code);

/// MOICA card number (卡號): ^[A-Z]{2}[0-9]{14}$.
bool isValidCardNumber(std::string_view cardNumber);

/// Longest accepted serial: RFC 5280 serials have at most 20 octets.
inline constexpr std::size_t kMaxSerialHexDigits = 40;

/// A certificate serial as people type it: hex digits in either case, with ' ', ':' and '-'
/// separators ignored. Returns it as uppercase hex without separators or leading zeros ("0"
/// for zero), or nullopt when it holds another character, no digit, or more than
/// kMaxSerialHexDigits significant digits.
std::optional<std::string> normaliseSerial(std::string_view serial);

/// A normalisable serial that is not zero (RFC 5280 serials are positive).
bool isValidCertificateSerial(std::string_view serial);

/// Dotted-decimal OBJECT IDENTIFIER: at least two arcs, digits only, no leading zeros.
bool isValidOid(std::string_view oid);

/// True when `oid` is a valid OID strictly below `arc` ("2.16.886.101.20003" is under
/// "2.16.886.101"; "2.16.886.1011" and "2.16.886.101" itself are not).
bool isOidUnder(std::string_view oid, std::string_view arc);

/// Today's date in Asia/Taipei (UTC+8, no daylight saving) for a point in time.
std::chrono::year_month_day taipeiDate(std::chrono::system_clock::time_point when);

} // namespace certgate::ca::common
