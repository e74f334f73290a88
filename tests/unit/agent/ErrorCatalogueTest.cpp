#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/test/ZhTwText.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace certgate::agent;

TEST(ErrorCatalogueTest, EveryCodeHasItsStableNameBothTextsAndAnErrorStatus)
{
    const std::set<std::string> expected { "PCSCD_NOT_RUNNING", "NO_READER", "NO_CARD",
        "CARD_REMOVED", "CARD_NOT_INITIALISED", "PIN_INCORRECT", "PIN_FINAL_TRY", "PIN_LOCKED",
        "PIN_ATTEMPTS_LIMITED", "NO_SIGNING_CERTIFICATE", "MODULE_LOAD_FAILED",
        "ORIGIN_NOT_ALLOWED", "HOST_NOT_ALLOWED", "BUSY", "BAD_REQUEST", "INTERNAL_ERROR" };
    std::set<std::string> names;
    for (const auto& entry : errorCatalogue()) {
        names.insert(std::string(entry.name));
        EXPECT_FALSE(entry.messageZhTw.empty()) << entry.name;
        EXPECT_FALSE(entry.messageEn.empty()) << entry.name;
        EXPECT_NE(entry.messageZhTw, entry.messageEn) << entry.name;
        EXPECT_GE(entry.httpStatus, 400) << entry.name;
        EXPECT_LT(entry.httpStatus, 600) << entry.name;
        EXPECT_EQ(&describe(entry.code), &entry) << entry.name;
    }
    EXPECT_EQ(names, expected);
    EXPECT_EQ(errorCatalogue().size(), expected.size());
}

TEST(ErrorCatalogueTest, TheZhTwTextsAreInChinese)
{
    for (const auto& entry : errorCatalogue()) {
        bool hasNonAscii = false;
        for (char c : entry.messageZhTw)
            hasNonAscii = hasNonAscii || static_cast<unsigned char>(c) >= 0x80;
        EXPECT_TRUE(hasNonAscii) << entry.name;
    }
}

TEST(ErrorCatalogueTest, ALockedCardTellsThePersonWhereToGo)
{
    EXPECT_EQ(describe(ErrorCode::PinLocked).messageZhTw,
        "卡片已鎖定（PIN 碼連續錯誤三次），請持卡至發卡單位或依發卡單位說明辦理解鎖。");
    EXPECT_EQ(describe(ErrorCode::PinLocked).httpStatus, 423);
}

TEST(ErrorCatalogueTest, TheErrorJsonCarriesCodeTextsAndFacts)
{
    Poco::JSON::Object facts;
    facts.set("pinCountLow", true);
    AgentError error(ErrorCode::PinIncorrect, "log detail", facts);
    auto json = error.toJson();
    EXPECT_EQ(json.getValue<std::string>("error"), "PIN_INCORRECT");
    EXPECT_EQ(json.getValue<std::string>("message"), describe(ErrorCode::PinIncorrect).messageZhTw);
    EXPECT_EQ(json.getValue<std::string>("messageEn"), describe(ErrorCode::PinIncorrect).messageEn);
    EXPECT_TRUE(json.getValue<bool>("pinCountLow"));
    EXPECT_FALSE(json.has("detail"));
    EXPECT_EQ(error.code(), ErrorCode::PinIncorrect);
}

TEST(ErrorCatalogueTest, TheZhTwTextsUseFullWidthPunctuation)
{
    for (const auto& entry : errorCatalogue())
        EXPECT_EQ(certgate::test::halfWidthPunctuationProblem(std::string(entry.messageZhTw)), "")
            << entry.name;
    // The checker itself sees what it is for.
    EXPECT_NE(certgate::test::halfWidthPunctuationProblem("卡片已鎖定,請洽發卡單位。"), "");
    EXPECT_NE(certgate::test::halfWidthPunctuationProblem("讀卡服務（127.0.0.1)"), "");
    EXPECT_EQ(
        certgate::test::halfWidthPunctuationProblem("請至 https://moica.nat.gov.tw 下載。"), "");
}
