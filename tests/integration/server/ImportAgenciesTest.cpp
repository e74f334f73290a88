// `certgate import-agencies FILE.csv [--dry-run]` through the real CLI (issue 5 item 4; SPEC
// §3.6): a dry run writes nothing and reports counts; a file with any bad line reports every
// bad line by number and imports nothing (exit 1); a good file imports everything (exit 0)
// and updates the rows that changed.
#include "PortalTestSupport.hpp"

#include <regex>

namespace certgate::test {
namespace {

class ImportAgenciesTest : public PortalTest {
protected:
    std::string csv(const std::string& name, const std::string& contents)
    {
        auto path = scratch_.file(name);
        writeTextFile(path, contents);
        return path;
    }

    std::string agency(const std::string& code, const std::string& column) const
    {
        return sql("SELECT " + column + " FROM agencies WHERE code = '" + code + "'");
    }

    static constexpr const char* kHeader = "code,name,region,expected_ca,expected_identifier\n";
};

TEST_P(ImportAgenciesTest, ADryRunReportsTheCountsAndWritesNothing)
{
    auto file = csv("dry.csv",
        std::string(kHeader) + "A0001,內政部,臺北市,gca,2.16.886.101.20003.20001\n" // unchanged
            + "A0002,外交部(新名稱),臺北市,gca,2.16.886.101.20003.20002\n" // changed
            + "F0001,高雄市政府,高雄市,gca,2.16.886.101.20003.30001\n" // new
            + "F0002,南投縣政府,南投縣,gca,2.16.886.101.20003.30002\n"); // new
    auto events = count("FROM audit_events");

    auto result = server_->cli({ "import-agencies", file, "--dry-run" });

    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(
        result.output.find("dry run: 4 line(s); 2 new, 1 changed, 1 unchanged"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("nothing written"), std::string::npos) << result.output;
    EXPECT_EQ(count("FROM agencies"), 6);
    EXPECT_EQ(agency("A0002", "name"), "外交部");
    EXPECT_EQ(count("FROM agencies WHERE code IN ('F0001', 'F0002')"), 0);
    EXPECT_EQ(count("FROM audit_events"), events) << "a dry run is not an import";
}

TEST_P(ImportAgenciesTest, AGoodFileImportsEveryRowAndUpdatesTheChangedOnes)
{
    // A BOM, CRLF line ends, a quoted name with a comma and a doubled quote, a quoted field
    // across two lines in the CSV sense (here: the region), blanks around fields, a lower-case
    // CA id, and every organisation CA's identifier format.
    auto file = csv("good.csv",
        "\xEF\xBB\xBF" + std::string("code,name,region,expected_ca,expected_identifier\r\n")
            + "A0002,外交部(新名稱),臺北市,gca,2.16.886.101.20003.20002\r\n"
            + "F0001,\"臺北市政府,秘書處\",臺北市,gca,2.16.886.101.20003.30001\r\n"
            + "F0002,\"財團法人\"\"測試\"\"基金會\", 新竹市 ,XCA,2.16.886.111.90005.1\r\n"
            + "F0003,測試股份有限公司,臺中市,moeaca,04595257\r\n"
            + "F0004,測試醫院,臺東縣,hca,0501110514\r\n"
            + "A0001,內政部,臺北市,gca,2.16.886.101.20003.20001\r\n");

    auto result = server_->cli({ "import-agencies", file });

    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("6 line(s); 4 new, 1 changed, 1 unchanged; imported."),
        std::string::npos)
        << result.output;
    EXPECT_EQ(count("FROM agencies"), 10);
    EXPECT_EQ(agency("A0002", "name"), "外交部(新名稱)");
    EXPECT_EQ(agency("F0001", "name"), "臺北市政府,秘書處");
    EXPECT_EQ(agency("F0002", "name"), "財團法人\"測試\"基金會");
    EXPECT_EQ(agency("F0002", "region"), "新竹市");
    EXPECT_EQ(agency("F0002", "expected_ca"), "xca");
    EXPECT_EQ(agency("F0003", "expected_identifier"), "04595257");
    EXPECT_EQ(agency("F0004", "expected_ca"), "hca");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'agency.import' AND actor = 'cli' AND "
                    "outcome = 'ok'"),
        2)
        << "the demo data and this file";

    // Imported agencies are what the portal knows: a receipts query finds F0001.
    auto receipts = httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=F0001");
    ASSERT_TRUE(answered(receipts));
    EXPECT_EQ(text(body(receipts), "agencyName"), "臺北市政府,秘書處");

    // The same file again changes nothing.
    auto again = server_->cli({ "import-agencies", file });
    EXPECT_EQ(again.exitCode, 0) << again.output;
    EXPECT_NE(again.output.find("0 new, 0 changed, 6 unchanged"), std::string::npos)
        << again.output;
}

TEST_P(ImportAgenciesTest, AFileWithBadLinesReportsEachByLineNumberAndImportsNothing)
{
    auto file = csv("bad.csv",
        std::string(kHeader) // 1
            + "F0001,高雄市政府,高雄市,gca,2.16.886.101.20003.30001\n" // 2 good
            + "f-01,小寫代號,臺北市,gca,2.16.886.101.20003.30002\n" // 3 bad code
            + "F0001,重複代號,臺北市,gca,2.16.886.101.20003.30003\n" // 4 duplicate
            + "F0005,未知憑證中心,臺北市,abcca,2.16.886.101.20003.30005\n" // 5 unknown CA
            + "F0006,統編錯誤公司,臺中市,moeaca,12345678\n" // 6 bad UBN checksum
            + "F0007,\"不在 GCA 的 OID\",臺北市,gca,2.16.886.111.90005.1\n" // 7 outside arc
            + "F0008,欄位太少,臺北市,gca\n" // 8 four fields
            + "F0009,名稱,有逗號,臺北市,gca,2.16.886.101.20003.30009\n" // 9 six fields
            + "F0010,\"引號內的,逗號\",臺北市,gca,2.16.886.101.20003.30010\n" // 10 good
            + "F0011,\"跨兩行\n的名稱\",臺北市,moica,A123456789\n" // 11-12 citizen CA
            + "F0012,醫院,臺北市,hca,1234\n" // 13 bad institution code
            + "A0002,外交部(新名稱),臺北市,gca,2.16.886.101.20003.20002\n" // 14 good (change)
            + ",,,,\n"); // 15 empty fields
    auto agencies = count("FROM agencies");

    auto result = server_->cli({ "import-agencies", file });

    EXPECT_EQ(result.exitCode, 1) << result.output;
    struct Expected {
        int line;
        const char* field;
    };
    for (const auto& e :
        { Expected { 3, "code" }, Expected { 4, "code" }, Expected { 5, "expected_ca" },
            Expected { 6, "expected_identifier" }, Expected { 7, "expected_identifier" },
            Expected { 8, "" }, Expected { 9, "" }, Expected { 11, "expected_ca" },
            Expected { 13, "expected_identifier" }, Expected { 15, "code" } }) {
        auto prefix = file + ":" + std::to_string(e.line) + ": "
            + (std::string(e.field).empty() ? "" : std::string(e.field) + ": ");
        EXPECT_NE(result.output.find(prefix), std::string::npos)
            << "line " << e.line << " not reported as " << prefix << "\n"
            << result.output;
    }
    for (int good : { 2, 10, 12, 14 })
        EXPECT_EQ(result.output.find(file + ":" + std::to_string(good) + ":"), std::string::npos)
            << "line " << good << " is fine:\n"
            << result.output;
    EXPECT_NE(result.output.find("Expected 5 fields, found 4"), std::string::npos);
    EXPECT_NE(result.output.find("Expected 5 fields, found 6"), std::string::npos);
    EXPECT_NE(result.output.find("nothing written."), std::string::npos) << result.output;

    EXPECT_EQ(count("FROM agencies"), agencies);
    EXPECT_EQ(count("FROM agencies WHERE code IN ('F0001', 'F0010')"), 0);
    EXPECT_EQ(agency("A0002", "name"), "外交部");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'agency.import'"), 1) << "the demo data";

    // A dry run of the same file reports the same lines and exits 1 too.
    auto dry = server_->cli({ "import-agencies", file, "--dry-run" });
    EXPECT_EQ(dry.exitCode, 1) << dry.output;
    EXPECT_NE(dry.output.find(file + ":6: expected_identifier: "), std::string::npos) << dry.output;
}

TEST_P(ImportAgenciesTest, AFileWithoutTheHeaderOrWithoutRowsOrUnreadableIsRefused)
{
    auto noHeader = server_->cli({ "import-agencies",
        csv("noheader.csv", "F0001,高雄市政府,高雄市,gca,2.16.886.101.20003.30001\n") });
    EXPECT_EQ(noHeader.exitCode, 1) << noHeader.output;
    EXPECT_NE(noHeader.output.find(":1: "), std::string::npos) << noHeader.output;

    auto empty = server_->cli({ "import-agencies", csv("empty.csv", "") });
    EXPECT_EQ(empty.exitCode, 1) << empty.output;

    auto unterminated = server_->cli({ "import-agencies",
        csv("quote.csv",
            std::string(kHeader) + "F0001,\"高雄市政府,高雄市,gca,2.16.886.101.20003.30001\n") });
    EXPECT_EQ(unterminated.exitCode, 1) << unterminated.output;

    auto missing = server_->cli({ "import-agencies", scratch_.file("no-such.csv") });
    EXPECT_EQ(missing.exitCode, 2) << missing.output;
    auto noFile = server_->cli({ "import-agencies" });
    EXPECT_EQ(noFile.exitCode, 2) << noFile.output;

    EXPECT_EQ(count("FROM agencies"), 6);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ImportAgenciesTest);

} // namespace
} // namespace certgate::test
