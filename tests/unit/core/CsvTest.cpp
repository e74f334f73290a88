#include <certgate/core/Admin.hpp>
#include <certgate/core/Error.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

TEST(CsvTest, PlainRowsSplitOnCommasAndKeepTheirLineNumbers)
{
    auto rows = parseCsv("code,name\nA0001,內政部\n\nB0001,學校\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string> { "code", "name" }));
    EXPECT_EQ(rows[1].fields, (std::vector<std::string> { "A0001", "內政部" }));
    EXPECT_EQ(rows[2].line, 4);
}

TEST(CsvTest, QuotedFieldsMayHoldCommasQuotesAndNewlines)
{
    auto rows = parseCsv("a,\"b, \"\"c\"\"\",\"d\ne\"\nnext,row\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string> { "a", "b, \"c\"", "d\ne" }));
    EXPECT_EQ(rows[1].line, 3);
}

TEST(CsvTest, CrLfLineEndsAByteOrderMarkAndAMissingFinalNewlineAreFine)
{
    auto rows = parseCsv("\xEF\xBB\xBF"
                         "code,name\r\nA0001,x\r\nA0002,y");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields.front(), "code");
    EXPECT_EQ(rows[2].fields, (std::vector<std::string> { "A0002", "y" }));
}

TEST(CsvTest, EmptyFieldsAreKept)
{
    auto rows = parseCsv("a,,c\n,\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string> { "a", "", "c" }));
    EXPECT_EQ(rows[1].fields, (std::vector<std::string> { "", "" }));
}

TEST(CsvTest, AnUnterminatedQuoteIsAnError)
{
    EXPECT_THROW(parseCsv("a,\"b\nc\n"), Error);
}

} // namespace
} // namespace certgate::core
