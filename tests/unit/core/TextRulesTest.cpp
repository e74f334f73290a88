#include <certgate/core/Error.hpp>
#include <certgate/core/TextRules.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace certgate::core {
namespace {

ErrorCode codeOf(const std::function<void()>& call, std::string* field = nullptr)
{
    try {
        call();
    } catch (const Error& e) {
        if (field)
            *field = e.field();
        return e.code();
    }
    return ErrorCode::InternalError;
}

TEST(TextRulesTest, FreeTextIsTrimmedAndKeepsChineseNames)
{
    EXPECT_EQ(text::requireText("  王小明 \t", "name", 60), "王小明");
    EXPECT_EQ(text::requireText("臺北市政府 資訊處", "name", 60), "臺北市政府 資訊處");
}

TEST(TextRulesTest, EmptyOrLongTextIsRefusedOnItsField)
{
    std::string field;
    EXPECT_EQ(codeOf([] { text::requireText(" \t ", "applicantName", 60); }, &field),
        ErrorCode::InvalidInput);
    EXPECT_EQ(field, "applicantName");
    // Counted in characters, not bytes: 60 CJK characters fit, 61 do not.
    std::string sixty;
    for (int i = 0; i < 60; ++i)
        sixty += "臺";
    EXPECT_EQ(text::requireText(sixty, "name", 60), sixty);
    EXPECT_EQ(codeOf([&] { text::requireText(sixty + "臺", "name", 60); }, &field),
        ErrorCode::InvalidInput);
    EXPECT_EQ(field, "name");
}

TEST(TextRulesTest, BidirectionalOverridesAndInvisibleCharactersAreRefused)
{
    // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+200B ZERO WIDTH SPACE,
    // U+FEFF, U+0085 (a C1 control), NUL and DEL.
    const std::vector<std::string> refused { "王\u202E明", "A\u2066B", "王\u200B明", "\uFEFF王",
        "a\u0085b", std::string("a\0b", 3), "a\x7F!", "line\nbreak" };
    for (const auto& bad : refused) {
        std::string field;
        EXPECT_EQ(
            codeOf([&] { text::requireText(bad, "name", 60); }, &field), ErrorCode::InvalidInput)
            << bad;
        EXPECT_EQ(field, "name");
        EXPECT_NE(text::findForbiddenCharacter(bad), std::string::npos) << bad;
    }
    EXPECT_EQ(text::findForbiddenCharacter("first line\nsecond", "\n"), std::string::npos);
    EXPECT_EQ(text::findForbiddenCharacter("王小明 (02) 2701-3411"), std::string::npos);
}

TEST(TextRulesTest, ContactFormatsAndSerials)
{
    EXPECT_NO_THROW(text::requireEmail("wang@example.gov.tw", "email"));
    EXPECT_EQ(codeOf([] { text::requireEmail("wang@", "email"); }), ErrorCode::InvalidInput);
    EXPECT_NO_THROW(text::requirePhone("(02)2701-3411", "phone"));
    EXPECT_EQ(codeOf([] { text::requirePhone("call me", "phone"); }), ErrorCode::InvalidInput);
    EXPECT_NO_THROW(text::requireExtension("", "extension"));
    EXPECT_EQ(codeOf([] { text::requireExtension("12a", "extension"); }), ErrorCode::InvalidInput);
    EXPECT_EQ(text::normaliseSerial("00:ab-cd 12"), "ABCD12");
    EXPECT_EQ(text::normaliseSerial("0000"), "0");
    EXPECT_EQ(text::normaliseSerial(""), "");
}

TEST(TextRulesTest, LastFourDigitsAndRegions)
{
    EXPECT_NO_THROW(text::checkLastFour("A123456789", "6789", "the card"));
    EXPECT_NO_THROW(text::checkLastFour("A123456789", "", "the card"));
    std::string field;
    EXPECT_EQ(codeOf([&] { text::checkLastFour("A123456789", "6788", "the card"); }, &field),
        ErrorCode::IdMismatch);
    EXPECT_EQ(field, "nationalId");
    EXPECT_EQ(text::normaliseRegion("台北市台中區"), "臺北市臺中區");
}

} // namespace
} // namespace certgate::core
