// National ID numbers at rest and on the wire (issue 5 item 7; SPEC §7): after a
// registration, operators added by typed serial and by certificate, an edit and queries, no
// national ID is anywhere in the database in clear; pages and the admin API show them masked.
#include "PortalTestSupport.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

namespace certgate::test {
namespace {

class PersonalDataTest : public PortalTest {
protected:
    std::vector<std::string> split(const std::string& list) const
    {
        std::vector<std::string> out;
        std::istringstream in(list);
        for (std::string item; std::getline(in, item, ',');)
            if (!item.empty())
                out.push_back(item);
        return out;
    }

    std::vector<std::string> tables() const
    {
        switch (GetParam()) {
        case Backend::Sqlite:
            return split(
                sql("SELECT group_concat(name, ',') FROM sqlite_master WHERE type = 'table'"));
        case Backend::Postgresql:
            return split(sql("SELECT string_agg(table_name, ',') FROM information_schema.tables "
                             "WHERE table_schema = current_schema()"));
        case Backend::Mariadb:
            return split(sql("SELECT GROUP_CONCAT(table_name) FROM information_schema.tables "
                             "WHERE table_schema = DATABASE()"));
        }
        return {};
    }

    std::vector<std::string> columns(const std::string& table) const
    {
        switch (GetParam()) {
        case Backend::Sqlite:
            return split(
                sql("SELECT group_concat(name, ',') FROM pragma_table_info('" + table + "')"));
        case Backend::Postgresql:
            return split(sql("SELECT string_agg(column_name, ',') FROM information_schema.columns "
                             "WHERE table_schema = current_schema() AND table_name = '"
                + table + "'"));
        case Backend::Mariadb:
            return split(sql("SELECT GROUP_CONCAT(column_name) FROM information_schema.columns "
                             "WHERE table_schema = DATABASE() AND table_name = '"
                + table + "'"));
        }
        return {};
    }

    /// A column's value as text (quoted: rate_limits has a column "key"; MariaDB casts to CHAR,
    /// not TEXT).
    std::string asText(const std::string& column) const
    {
        return "CAST(\"" + column
            + (GetParam() == Backend::Mariadb ? "\" AS CHAR)" : "\" AS TEXT)");
    }

    /// "table: n rows holding X; " for every table where a row's text (all columns, any case)
    /// holds one of `values`.
    std::string rowsHolding(const std::vector<std::string>& values)
    {
        if (rowText_.empty())
            for (const auto& table : tables()) {
                std::string all;
                for (const auto& column : columns(table))
                    all += (all.empty() ? "" : " || '|' || ") + std::string("COALESCE(")
                        + asText(column) + ", '')";
                rowText_[table] = "UPPER(" + all + ")";
            }
        std::string found;
        for (const auto& [table, row] : rowText_) {
            std::string any;
            for (const auto& value : values)
                any += (any.empty() ? "" : " OR ") + row + " LIKE '%" + value + "%'";
            if (count("FROM " + table + " WHERE " + any) == 0)
                continue;
            for (const auto& value : values)
                if (auto n = count("FROM " + table + " WHERE " + row + " LIKE '%" + value + "%'"))
                    found += table + ": " + std::to_string(n) + " rows holding " + value + "; ";
        }
        return found;
    }
    std::string rowsHolding(const std::string& value) { return rowsHolding(std::vector { value }); }

    std::map<std::string, std::string> rowText_;

    void everything()
    {
        registerAgency("A0001", "gca-moi", "moica-wang");
        auto flow = authorise("A0001", "gca-moi", "moica-wang");
        require(flow.addOperator(card("moica-chen").serial, "陳志強", card("moica-chen").nationalId,
                    { "enrolment", "premiums" }),
            201, "add by serial");
        require(
            flow.addOperator(card("moica-huang").serial, "黃淑芬", card("moica-huang").nationalId,
                { "benefits" }, certificateBase64("moica-huang")),
            201, "add by certificate");
        std::string id;
        auto operators = array(object(flow.last(), "flow"), "operators");
        for (std::size_t i = 0; i < operators->size(); ++i)
            if (text(operators->getObject(static_cast<unsigned>(i)), "serial")
                == card("moica-chen").serial)
                id = text(operators->getObject(static_cast<unsigned>(i)), "id");
        require(flow.updateOperator(id, card("moica-chen-renewed").serial, "陳志強",
                    card("moica-chen").nationalId, { "enrolment" }),
            200, "edit");
        // Refusals and queries that carry an ID too.
        require(flow.addOperator(card("moica-lin").serial, "林小美", "B225041637", { "enrolment" }),
            422, "bad checksum");
        auto query = startFlow("query-serial");
        require(query.citizenCard(card("moica-lin").nationalId, "moica-lin"), 200, "query serial");
        auto login = startFlow("operator-login");
        require(login.citizenCard("", "moica-huang"), 200, "operator login");
        // A first registration that stops after the manager card keeps its ID in the flow.
        auto pending = startFlow("first-registration");
        require(pending.acceptTerms(), 200, "terms");
        require(pending.organisationCard("B0001", "xca-school"), 200, "organisation card");
        require(pending.managerCard(card("moica-tsai").nationalId, "moica-tsai"), 200, "manager");
    }
};

TEST_P(PersonalDataTest, NoNationalIdIsStoredInClearAnywhereInTheDatabase)
{
    everything();
    ASSERT_GT(count("FROM operators"), 0);
    ASSERT_GT(count("FROM flows"), 0);
    ASSERT_GT(count("FROM audit_events"), 0);
    // The scan itself finds what is there.
    ASSERT_NE(rowsHolding(card("moica-wang").serial), "");

    std::vector<std::string> ids { "B225041637" }; // refused at the operator form
    for (const auto* name :
        { "moica-wang", "moica-chen", "moica-huang", "moica-lin", "moica-tsai" })
        ids.push_back(card(name).nationalId);
    EXPECT_EQ(rowsHolding(ids), "");

    // What is stored is ciphertext and a keyed hash, not the ID in another spelling.
    auto stored = sql("SELECT national_id_enc FROM managers WHERE agency_code = 'A0001'");
    EXPECT_EQ(stored.rfind("v1:", 0), 0u) << stored;
    EXPECT_EQ(
        sql("SELECT LENGTH(national_id_hash) FROM managers WHERE agency_code = 'A0001'"), "64");
    EXPECT_EQ(count("FROM operators WHERE national_id_enc NOT LIKE 'v1:%'"), 0);
    EXPECT_EQ(count("FROM operators WHERE national_id_hash = national_id_enc"), 0);
}

/// The SQLite file as bytes: free pages and the write-ahead log included (PostgreSQL's files
/// belong to the cluster's owner; the row scan covers its tables).
class SqliteFilePersonalDataTest : public PersonalDataTest { };

TEST_P(SqliteFilePersonalDataTest, TheDatabaseFileAndItsLogNeverHoldANationalIdInClear)
{
    everything();
    auto file = database_.connection().substr(3);
    std::string bytes;
    for (const auto& suffix : { "", "-wal", "-shm" }) {
        std::error_code ec;
        if (std::filesystem::exists(file + suffix, ec)) {
            auto data = readBinaryFile(file + suffix);
            bytes.append(data.begin(), data.end());
        }
    }
    ASSERT_GT(bytes.size(), 10000u);
    ASSERT_NE(bytes.find(card("moica-wang").serial), std::string::npos) << "the scan works";
    for (const auto* name :
        { "moica-wang", "moica-chen", "moica-huang", "moica-lin", "moica-tsai" })
        EXPECT_EQ(bytes.find(card(name).nationalId), std::string::npos) << name;
}

TEST_P(PersonalDataTest, OperatorListsAndTheAdminApiShowNationalIdsMasked)
{
    everything();
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    auto view = object(flow.last(), "flow");
    auto operators = array(view, "operators");
    ASSERT_EQ(operators->size(), 2u) << stringify(view);
    std::set<std::string> masked;
    for (std::size_t i = 0; i < operators->size(); ++i)
        masked.insert(text(operators->getObject(static_cast<unsigned>(i)), "nationalId"));
    EXPECT_EQ(masked, (std::set<std::string> { "H10****943", "F22****583" }));
    for (const auto* name : { "moica-wang", "moica-chen", "moica-huang" })
        EXPECT_EQ(stringify(view).find(card(name).nationalId), std::string::npos) << name;

    auto admin = staffSession();
    auto list = admin.get("/agencies/A0001/operators");
    ASSERT_TRUE(answered(list));
    for (const auto* name : { "moica-chen", "moica-huang" })
        EXPECT_EQ(list.body.find(card(name).nationalId), std::string::npos) << list.body;
    EXPECT_NE(list.body.find("H10****943"), std::string::npos) << list.body;
    EXPECT_EQ(list.body.find("national_id_hash"), std::string::npos);

    auto registration = admin.get("/agencies/A0001/registration");
    ASSERT_TRUE(answered(registration));
    EXPECT_EQ(text(object(object(body(registration), "registration"), "manager"), "nationalId"),
        "A12****781");
    EXPECT_EQ(registration.body.find(card("moica-wang").nationalId), std::string::npos);
    auto registrations = admin.get("/registrations");
    EXPECT_EQ(registrations.body.find(card("moica-wang").nationalId), std::string::npos);
    auto audit = admin.get("/audit?limit=1000");
    for (const auto* name : { "moica-wang", "moica-chen", "moica-huang", "moica-lin" })
        EXPECT_EQ(audit.body.find(card(name).nationalId), std::string::npos) << name;
}

TEST_P(PersonalDataTest, TheServerLogNeverShowsANationalId)
{
    everything();
    // Refusals that concern the ID field are logged too.
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    require(flow.addOperator(card("moica-lin").serial, "林小美", "B225041637", { "enrolment" }),
        422, "bad checksum");
    auto log = server_->output();
    ASSERT_NE(log.find("/api/v1/flows/"), std::string::npos) << "the log has the requests";
    for (const auto* name :
        { "moica-wang", "moica-chen", "moica-huang", "moica-lin", "moica-tsai" })
        EXPECT_EQ(log.find(card(name).nationalId), std::string::npos) << name;
    EXPECT_EQ(log.find("B225041637"), std::string::npos);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(PersonalDataTest);
INSTANTIATE_TEST_SUITE_P(
    Sqlite, SqliteFilePersonalDataTest, ::testing::Values(Backend::Sqlite), ServerBackendName {});

} // namespace
} // namespace certgate::test
