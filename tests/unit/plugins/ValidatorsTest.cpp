#include <certgate/ca/common/Validators.hpp>

#include <gtest/gtest.h>

using namespace certgate::ca::common;
using namespace std::chrono;

namespace {

constexpr year_month_day kToday { year { 2026 }, November, day { 27 } };

} // namespace

// Worked example (taiwan-pki.md §3): A=10 → 1×1 + 0×9 = 1; 1..8 × 8..1 = 120; + 9 = 130.
TEST(NationalIdTest, acceptsThePublishedExampleA123456789)
{
    EXPECT_TRUE(isValidNationalId("A123456789", kToday));
    EXPECT_EQ(classifyPersonId("A123456789"), PersonIdKind::NationalId);
}

TEST(NationalIdTest, acceptsOtherPublishedMaleAndFemaleExamples)
{
    EXPECT_TRUE(isValidNationalId("B123456780", kToday)); // B=11: 1 + 9 + 120 + 0 = 130
    EXPECT_TRUE(isValidNationalId("A223456781", kToday)); // 1 + 16 + 112 + 1 = 130
}

// The letters added after the first 21 areas have codes out of alphabetical order.
TEST(NationalIdTest, usesTheOutOfOrderCodesOfIOWYZ)
{
    EXPECT_TRUE(isValidNationalId("I100000003", kToday)); // I=34: 3 + 36 + 8 + 3 = 50
    EXPECT_TRUE(isValidNationalId("O100000004", kToday)); // O=35: 3 + 45 + 8 + 4 = 60
    EXPECT_TRUE(isValidNationalId("W100000001", kToday)); // W=32: 3 + 18 + 8 + 1 = 30
    EXPECT_TRUE(isValidNationalId("Y100000000", kToday)); // Y=31: 3 + 9 + 8 + 0 = 20
    EXPECT_TRUE(isValidNationalId("Z100000002", kToday)); // Z=33: 3 + 27 + 8 + 2 = 40
    // With I read as 18 (alphabetical), I100000009 would pass: it must not.
    EXPECT_FALSE(isValidNationalId("I100000009", kToday));
}

TEST(NationalIdTest, refusesAWrongCheckDigit)
{
    EXPECT_FALSE(isValidNationalId("A123456788", kToday));
    EXPECT_FALSE(isValidNationalId("A123456780", kToday));
    EXPECT_FALSE(isValidNationalId("B123456789", kToday));
}

TEST(NationalIdTest, refusesMalformedInput)
{
    for (const char* bad :
        { "", "A12345678", "A1234567890", "a123456789", "1123456789", "A323456789", "A023456789",
            "A12345678X", " A123456789", "A123456789 ", "A,23456789", "AZ23456789", "Ａ123456789" })
        EXPECT_FALSE(isValidNationalId(bad, kToday)) << bad;
}

// New-format resident numbers (since 2021-01-02): 2nd character 8 (male) or 9 (female).
TEST(NationalIdTest, acceptsNewResidentNumbers)
{
    EXPECT_TRUE(isValidNationalId("A800000014", kToday)); // 1 + 64 + 1 + 4 = 70 (published)
    EXPECT_TRUE(isValidNationalId("A900000007", kToday)); // 1 + 72 + 7 = 80
    EXPECT_EQ(classifyPersonId("A800000014"), PersonIdKind::NewResidentNumber);
}

TEST(NationalIdTest, refusesNewResidentNumbersWithAWrongCheckDigit)
{
    EXPECT_FALSE(isValidNationalId("A800000015", kToday));
    EXPECT_FALSE(isValidNationalId("A900000001", kToday));
}

// Old-format resident numbers: 2nd letter A-D counts as the units digit of its code.
TEST(NationalIdTest, acceptsOldResidentNumbersBefore2031)
{
    // AA00000009: 1 + 0×8 + 9 = 10. AC01234567: 1 + 2×8 + 56 + 7 = 80. Both published.
    EXPECT_TRUE(isValidNationalId("AA00000009", kToday));
    EXPECT_TRUE(isValidNationalId("AC01234567", kToday));
    EXPECT_TRUE(
        isValidNationalId("AA00000009", year_month_day { year { 2030 }, December, day { 31 } }));
    EXPECT_EQ(classifyPersonId("AC01234567"), PersonIdKind::OldResidentNumber);
}

TEST(NationalIdTest, refusesOldResidentNumbersFrom2031)
{
    EXPECT_FALSE(
        isValidNationalId("AA00000009", year_month_day { year { 2031 }, January, day { 1 } }));
    EXPECT_FALSE(
        isValidNationalId("AC01234567", year_month_day { year { 2035 }, June, day { 1 } }));
    // National IDs and new resident numbers do not expire.
    EXPECT_TRUE(isValidNationalId("A123456789", year_month_day { year { 2035 }, June, day { 1 } }));
    EXPECT_TRUE(isValidNationalId("A800000014", year_month_day { year { 2035 }, June, day { 1 } }));
}

TEST(NationalIdTest, refusesOldResidentNumbersWithAWrongCheckDigitOrSecondLetter)
{
    EXPECT_FALSE(isValidNationalId("AA00000008", kToday));
    // E=14 → 4: 1 + 32 + 7 = 40 has a right checksum, but E is not an old-format letter.
    EXPECT_FALSE(isValidNationalId("AE00000007", kToday));
}

TEST(NationalIdTest, taipeiDateIsUtcPlusEight)
{
    auto utc = sys_days { year { 2030 } / December / 31 } + hours { 16 };
    EXPECT_EQ(taipeiDate(utc), (year_month_day { year { 2031 }, January, day { 1 } }));
    EXPECT_EQ(
        taipeiDate(utc - seconds { 1 }), (year_month_day { year { 2030 }, December, day { 31 } }));
}

// 統一編號 worked examples: digit sums of 1,2,1,2,1,2,4,1 products.
TEST(UbnTest, acceptsNumbersValidUnderTheOldModTenRule)
{
    EXPECT_TRUE(isValidUbn("04595257")); // 0+8+5+9+5+4+2+7 = 40 (published)
    EXPECT_TRUE(isValidUbn("22099131")); // 2+4+0+9+9+2+3+1 = 30
    EXPECT_TRUE(isValidUbn("82798010")); // 8+4+7+9+8+0+4+0 = 40 (published sample)
}

TEST(UbnTest, acceptsNumbersValidOnlyUnderTheModFiveRuleOf2023)
{
    EXPECT_TRUE(isValidUbn("04595252")); // 35 (published as a new-rule example)
    EXPECT_TRUE(isValidUbn("22099136")); // 2+4+0+9+9+2+3+6 = 35
}

TEST(UbnTest, acceptsTheSeventhDigitSevenException)
{
    // 7×4 = 28 → 10, which may count as 1 or 0: sum 39, 39 + 1 = 40 (published: 12345675).
    EXPECT_TRUE(isValidUbn("12345675"));
    // Sum 34: valid only through the exception and only under mod 5 (35).
    EXPECT_TRUE(isValidUbn("12345670"));
}

TEST(UbnTest, refusesWrongCheckDigits)
{
    EXPECT_FALSE(isValidUbn("04595253")); // 36
    EXPECT_FALSE(isValidUbn("04595254")); // 37
    // 39 with a 7th digit that is not 7: no exception.
    EXPECT_FALSE(isValidUbn("04595256"));
    // 36 with a 7th digit 7: neither 36 nor 37 is divisible by 5.
    EXPECT_FALSE(isValidUbn("12345672"));
}

TEST(UbnTest, refusesMalformedInput)
{
    for (const char* bad :
        { "", "1234567", "123456789", "1234567a", " 2099131", "2209913 ", "22-99131" })
        EXPECT_FALSE(isValidUbn(bad)) << bad;
}

TEST(InstitutionCodeTest, acceptsTenDigitsOrCapitalLetters)
{
    EXPECT_TRUE(isValidInstitutionCode("1137010024")); // NHI example
    EXPECT_TRUE(isValidInstitutionCode("A137010024"));
    EXPECT_TRUE(isValidInstitutionCode("ZZZZZZZZZZ"));
}

TEST(InstitutionCodeTest, refusesOtherLengthsAndCharacters)
{
    for (const char* bad :
        { "", "113701002", "11370100240", "113701002a", "1137-10024", "1137 10024" })
        EXPECT_FALSE(isValidInstitutionCode(bad)) << bad;
}

TEST(CardNumberTest, acceptsTwoCapitalLettersAndFourteenDigits)
{
    EXPECT_TRUE(isValidCardNumber("TP03000000000001"));
    EXPECT_TRUE(isValidCardNumber("AA12345678901234"));
}

TEST(CardNumberTest, refusesOtherShapes)
{
    for (const char* bad : { "", "tp03000000000001", "T003000000000001", "TP0300000000001",
             "TP030000000000012", "TTAJ000000000321", "TP0300000000000A" })
        EXPECT_FALSE(isValidCardNumber(bad)) << bad;
}

TEST(SerialTest, normalisesCaseSeparatorsAndLeadingZeros)
{
    EXPECT_EQ(
        normaliseSerial("28785e821ea0940f5a3d9a2e462db6d7"), "28785E821EA0940F5A3D9A2E462DB6D7");
    EXPECT_EQ(normaliseSerial("28:78:5e:82"), "28785E82");
    EXPECT_EQ(normaliseSerial("00 0a-bC"), "ABC");
    EXPECT_EQ(normaliseSerial(" 01 "), "1");
    EXPECT_EQ(normaliseSerial("0000"), "0");
}

TEST(SerialTest, refusesNonHexAndEmptyInput)
{
    for (const char* bad : { "", " ", ":-: ", "12G4", "0x1F", "12\t34", "12_34", "１２" })
        EXPECT_EQ(normaliseSerial(bad), std::nullopt) << bad;
}

TEST(SerialTest, acceptsAtMostFortySignificantDigits)
{
    EXPECT_EQ(normaliseSerial(std::string(40, 'f')), std::string(40, 'F'));
    EXPECT_EQ(normaliseSerial("00" + std::string(40, 'F')), std::string(40, 'F'));
    EXPECT_EQ(normaliseSerial(std::string(41, 'F')), std::nullopt);
}

TEST(SerialTest, certificateSerialsArePositive)
{
    EXPECT_TRUE(isValidCertificateSerial("28785E821EA0940F5A3D9A2E462DB6D7"));
    EXPECT_TRUE(isValidCertificateSerial("00:01"));
    EXPECT_FALSE(isValidCertificateSerial("00:00"));
    EXPECT_FALSE(isValidCertificateSerial("zz"));
}

TEST(OidTest, recognisesDottedDecimalOids)
{
    EXPECT_TRUE(isValidOid("2.16.886.101.20003"));
    EXPECT_TRUE(isValidOid("0.0"));
    for (const char* bad : { "", "2", "2.", ".2.16", "2..16", "2.16.", "2.016", "2.16.a", "2.16 " })
        EXPECT_FALSE(isValidOid(bad)) << bad;
}

TEST(OidTest, isOidUnderAcceptsOnlyProperDescendants)
{
    EXPECT_TRUE(isOidUnder("2.16.886.101.20003", "2.16.886.101"));
    EXPECT_TRUE(isOidUnder("2.16.886.101.20003.20007.20015", "2.16.886.101"));
    EXPECT_TRUE(isOidUnder("2.16.886.111.90005.90003.100004", "2.16.886.111"));
    EXPECT_FALSE(isOidUnder("2.16.886.111.90005.90003.100004", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.101", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.1011", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.101.", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.101.020003", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.101.2x", "2.16.886.101"));
    EXPECT_FALSE(isOidUnder("2.16.886.101.1", "not an oid"));
}
