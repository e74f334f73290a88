#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// The rules typed input follows in every function: trimming, case, free text without
/// control or invisible characters, the formats of contact details and certificate serials.
namespace certgate::core::text {

std::string trimmed(const std::string& text);
std::string upper(std::string text);

/// Required free text (names, notes): trimmed, non-empty, at most `maxCharacters` characters,
/// with no C0/C1 control character and no bidirectional-override or invisible formatting
/// character (U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF). INVALID_INPUT naming
/// `field` otherwise.
std::string requireText(
    const std::string& value, const std::string& field, std::size_t maxCharacters);
/// The first control or invisible character's position in `text`, or npos; characters in
/// `allowed` (ASCII, e.g. "\n" for multi-line notes) are not counted.
std::size_t findForbiddenCharacter(const std::string& text, std::string_view allowed = {});

/// INVALID_INPUT naming `field` unless `value` is an e-mail address / phone number /
/// extension (digits only, may be empty).
void requireEmail(const std::string& value, const std::string& field);
void requirePhone(const std::string& value, const std::string& field);
void requireExtension(const std::string& value, const std::string& field);

/// A certificate serial as stored: hex digits, upper case, no separators or leading zeros.
std::string normaliseSerial(const std::string& serial);

/// Where a certificate carries the last four characters of the national ID (SPEC §3.1),
/// the typed ID (checksum already checked) must end with them; ID_MISMATCH otherwise.
void checkLastFour(
    const std::string& nationalId, const std::string& idLast4, const std::string& whose);

/// 台 and 臺 are both in everyday use for the same place names: the formal one.
std::string normaliseRegion(std::string region);

} // namespace certgate::core::text
