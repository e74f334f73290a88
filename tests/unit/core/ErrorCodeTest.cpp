#include <certgate/core/Error.hpp>
#include <certgate/core/ErrorCode.hpp>

#include <gtest/gtest.h>

#include <set>

namespace certgate::core {
namespace {

TEST(ErrorCodeTest, EveryCodeHasAStableNameAStatusAndBothTexts)
{
    std::set<std::string_view> names;
    for (int i = 0; i <= static_cast<int>(ErrorCode::InternalError); ++i) {
        auto code = static_cast<ErrorCode>(i);
        const auto& info = errorInfo(code);
        EXPECT_EQ(info.code, code);
        EXPECT_TRUE(names.insert(info.name).second) << info.name;
        EXPECT_GE(info.httpStatus, 400);
        EXPECT_LT(info.httpStatus, 600);
        EXPECT_FALSE(info.messageZh.empty()) << info.name;
        EXPECT_FALSE(info.messageEn.empty()) << info.name;
        EXPECT_EQ(errorCodeFromString(info.name), code);
        for (char c : info.name)
            EXPECT_TRUE((c >= 'A' && c <= 'Z') || c == '_') << info.name;
    }
}

TEST(ErrorCodeTest, TheSpecCodesKeepTheirNames)
{
    EXPECT_EQ(toString(ErrorCode::MalformedToken), "MALFORMED_TOKEN");
    EXPECT_EQ(toString(ErrorCode::NonceReplayed), "NONCE_REPLAYED");
    EXPECT_EQ(toString(ErrorCode::RevocationUnknown), "REVOCATION_UNKNOWN");
    EXPECT_EQ(toString(ErrorCode::NotRegisteredCard), "NOT_REGISTERED_CARD");
    EXPECT_EQ(toString(ErrorCode::NoFunctions), "NO_FUNCTIONS");
    EXPECT_FALSE(errorCodeFromString("NO_SUCH_CODE"));
}

TEST(ErrorCodeTest, AnErrorCarriesItsFieldAndFacts)
{
    Error error(ErrorCode::IdMismatch, "last four differ", "nationalId");
    error.withFact("extension", "5312");
    EXPECT_EQ(error.code(), ErrorCode::IdMismatch);
    EXPECT_EQ(error.field(), "nationalId");
    EXPECT_EQ(error.facts().at("extension"), "5312");
    EXPECT_STREQ(error.what(), "ID_MISMATCH: last four differ");
}

} // namespace
} // namespace certgate::core
