// The zh-TW texts people read use full-width punctuation, as Taiwanese government sites do
// (issue 17 item 6): the server's error catalogue, the pages' catalogue (web/i18n/zh-TW.json)
// and the messages of the agency import.
#include <certgate/core/Admin.hpp>
#include <certgate/core/ErrorCode.hpp>
#include <certgate/test/ZhTwText.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace certgate::core {
namespace {

TEST(ZhTwPunctuationTest, TheServersErrorCatalogue)
{
    for (int i = 0; i <= static_cast<int>(ErrorCode::InternalError); ++i) {
        const auto& info = errorInfo(static_cast<ErrorCode>(i));
        EXPECT_EQ(test::halfWidthPunctuationProblem(std::string(info.messageZh)), "") << info.name;
    }
}

TEST(ZhTwPunctuationTest, ThePagesCatalogue)
{
    std::ifstream in(std::string(CERTGATE_SOURCE_DIR) + "/web/i18n/zh-TW.json");
    ASSERT_TRUE(in) << "web/i18n/zh-TW.json";
    std::stringstream text;
    text << in.rdbuf();
    auto catalogue = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    std::size_t checked = 0;
    for (const auto& [key, value] : *catalogue) {
        if (!value.isString())
            continue;
        ++checked;
        EXPECT_EQ(test::halfWidthPunctuationProblem(value.extract<std::string>()), "") << key;
    }
    EXPECT_GT(checked, 100u);
}

TEST(ZhTwPunctuationTest, TheCheckerFindsHalfWidthPunctuation)
{
    EXPECT_NE(test::halfWidthPunctuationProblem("作業逾時,請重新開始。"), "");
    EXPECT_NE(test::halfWidthPunctuationProblem("總機:(02)2701"), "");
    EXPECT_NE(test::halfWidthPunctuationProblem("{name}({code}）完成"), "");
    EXPECT_EQ(test::halfWidthPunctuationProblem("總機：(02)2701-3411，分機 5312。"), "");
    EXPECT_EQ(test::halfWidthPunctuationProblem("Please try again, later."), "");
}

} // namespace
} // namespace certgate::core
