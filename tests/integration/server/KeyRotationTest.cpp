// Key rotation (issue 18 item 4) against a running `certgate serve`: `certgate keys rotate
// --pii` re-encrypts the stored national IDs under a new key in batches, interrupted halfway
// (--max-batches) and resumed, while the server keeps checking managers' IDs and showing
// operators' masked IDs; the old key is then retired. `keys rotate --audit` starts a new HMAC
// key: `audit verify` passes over the rows of both keys and still catches a tampered one. On
// every backend.
#include "PortalTestSupport.hpp"

#include <filesystem>
#include <thread>

using namespace certgate::test;
namespace fs = std::filesystem;

namespace {

struct Manager {
    std::string agency, orgCard, managerCard;
};
const std::vector<Manager> kManagers { { "A0001", "gca-moi", "moica-wang" },
    { "B0001", "xca-school", "moica-tsai" }, { "C0001", "moeaca-company", "moica-wu" } };

class PiiKeyRotationTest : public PortalTest {
protected:
    // No periodic key reload while the test runs: the server learns key 2 only from the values
    // it reads, so the flows it writes meanwhile stay under key 1 (what `keys retire` checks).
    void configure(Json& config) override
    {
        setConfigValue(config, "retention", "purgeEverySeconds", 86400);
    }

    std::string keyFile(const std::string& name) { return server().dir() + "/" + name; }
    int under(const std::string& table, const std::string& prefix) const
    {
        return count("FROM " + table + " WHERE national_id_enc LIKE '" + prefix + "%'");
    }
    /// Every manager still passes the authorisation's national ID check; the operators' masked
    /// IDs come from decrypting them.
    void expectEveryIdReadable()
    {
        for (const auto& m : kManagers)
            EXPECT_NO_THROW(authorise(m.agency, m.orgCard, m.managerCard)) << m.agency;
        const auto& wang = card("moica-wang");
        auto flow = startFlow("authorisation");
        require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
        EXPECT_TRUE(
            refused(flow.managerCard(nationalIdEndingWith('A', '1', wang.idLast4, wang.nationalId),
                        "moica-wang"),
                422, "ID_MISMATCH", "nationalId"))
            << "another ID with the same last four digits is still told apart";
        auto view = object(authorise("A0001", "gca-moi", "moica-wang").last(), "flow");
        std::set<std::string> masked;
        auto list = array(view, "operators");
        for (std::size_t i = 0; list && i < list->size(); ++i)
            masked.insert(text(list->getObject(static_cast<unsigned>(i)), "nationalId"));
        EXPECT_EQ(masked, (std::set<std::string> { "H10****943", "F22****583" }));
    }
};

TEST_P(PiiKeyRotationTest, AnInterruptedRotationResumesWhileServingAndTheOldKeyRetires)
{
    for (const auto& m : kManagers)
        registerAgency(m.agency, m.orgCard, m.managerCard);
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    for (const auto* name : { "moica-chen", "moica-huang" }) {
        const auto& op = card(name);
        require(flow.addOperator(op.serial, op.personName, op.nationalId, { "enrolment" }), 201,
            std::string("add operator ") + name);
    }
    ASSERT_EQ(under("managers", "v1:") + under("operators", "v1:"), 5);

    // Interrupted halfway: two batches of one row.
    auto first
        = server().cli({ "keys", "rotate", "--pii", "--batch-size", "1", "--max-batches", "2" });
    ASSERT_EQ(first.exitCode, 0) << first.output;
    EXPECT_NE(first.output.find("\"finished\": false"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("run certgate keys rotate --pii again"), std::string::npos);
    EXPECT_EQ(under("managers", "v2:2:") + under("operators", "v2:2:"), 2);
    EXPECT_EQ(under("managers", "v1:") + under("operators", "v1:"), 3);
    ASSERT_TRUE(fs::exists(keyFile("pii.2.key")));
    EXPECT_EQ(fs::status(keyFile("pii.2.key")).permissions() & fs::perms::all,
        fs::perms::owner_read | fs::perms::owner_write);
    expectEveryIdReadable();

    // Resumed: the same key, the rest of the rows.
    auto second = server().cli({ "keys", "rotate", "--pii", "--batch-size", "2" });
    ASSERT_EQ(second.exitCode, 0) << second.output;
    EXPECT_NE(second.output.find("\"finished\": true"), std::string::npos) << second.output;
    EXPECT_NE(second.output.find("\"key\": \"2\""), std::string::npos) << second.output;
    EXPECT_FALSE(fs::exists(keyFile("pii.3.key"))) << "resuming makes no new key";
    EXPECT_EQ(under("managers", "v2:2:") + under("operators", "v2:2:"), 5);
    EXPECT_EQ(count("FROM managers WHERE national_id_hash LIKE '2:%'"), 3);
    EXPECT_EQ(count("FROM operators WHERE national_id_hash LIKE '2:%'"), 2);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'keys.pii-key-added'"), 1);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'keys.pii-rotate.start'"), 2);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'keys.pii-rotate.paused'"), 1);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'keys.pii-rotate.done'"), 1);
    EXPECT_GE(count("FROM audit_events WHERE action = 'keys.pii-rotate.batch'"), 4);
    expectEveryIdReadable();

    // Retiring key 1: not while functions in progress hold values of it.
    auto early = server().cli({ "keys", "retire", "--pii", "1" });
    EXPECT_EQ(early.exitCode, 1) << early.output;
    EXPECT_NE(early.output.find("functions in progress"), std::string::npos) << early.output;
    EXPECT_TRUE(fs::exists(keyFile("pii.key")));
    auto current = server().cli({ "keys", "retire", "--pii", "2" });
    EXPECT_EQ(current.exitCode, 1) << "the current key stays: " << current.output;
    sql("DELETE FROM flows"); // the functions in progress ended
    auto retired = server().cli({ "keys", "retire", "--pii", "1" });
    ASSERT_EQ(retired.exitCode, 0) << retired.output;
    EXPECT_FALSE(fs::exists(keyFile("pii.key")));
    auto status = server().cli({ "keys", "status" });
    ASSERT_EQ(status.exitCode, 0) << status.output;
    EXPECT_NE(status.output.find("\"rowsUnderOlderKeys\": 0"), std::string::npos) << status.output;

    // A server started without key 1 reads everything.
    server().stop();
    server().start();
    expectEveryIdReadable();
    auto verify = server().cli({ "audit", "verify" });
    EXPECT_EQ(verify.exitCode, 0) << verify.output;
}

TEST_P(PiiKeyRotationTest, AGivenKeyIsTakenAndAnUnfinishedRotationRefusesAnother)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    registerAgency("B0001", "xca-school", "moica-tsai");
    const auto given = scratch_.file("given.key");
    writeTextFile(given, "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n");
    auto first = server().cli({ "keys", "rotate", "--pii", "--new-key", given, "--batch-size", "1",
        "--max-batches", "1" });
    ASSERT_EQ(first.exitCode, 0) << first.output;
    EXPECT_EQ(readTextFile(keyFile("pii.2.key")), readTextFile(given));
    auto another = server().cli({ "keys", "rotate", "--pii", "--new-key", given });
    EXPECT_EQ(another.exitCode, 2) << another.output;
    EXPECT_NE(another.output.find("not finished"), std::string::npos) << another.output;
    auto audit = server().cli({ "keys", "retire", "--audit" });
    EXPECT_EQ(audit.exitCode, 2) << "audit keys are never retired: " << audit.output;
    auto rest = server().cli({ "keys", "rotate", "--pii" });
    ASSERT_EQ(rest.exitCode, 0) << rest.output;
    EXPECT_EQ(under("managers", "v2:2:"), 2);
    EXPECT_NO_THROW(authorise("B0001", "xca-school", "moica-tsai"));
}

class AuditKeyRotationTest : public PortalTest {
protected:
    // The server re-reads its key files every second, so it takes up the new audit key soon.
    void configure(Json& config) override
    {
        setConfigValue(config, "retention", "purgeEverySeconds", 1);
    }
    RunResult verify() { return server().cli({ "audit", "verify" }); }
};

TEST_P(AuditKeyRotationTest, RowsOfBothKeysVerifyAndATamperedOneStillFails)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    const auto underOne = count("FROM audit_events");
    ASSERT_GT(underOne, 3);
    auto rotated = server().cli({ "keys", "rotate", "--audit" });
    ASSERT_EQ(rotated.exitCode, 0) << rotated.output;
    EXPECT_NE(rotated.output.find("\"key\": \"2\""), std::string::npos) << rotated.output;
    EXPECT_EQ(fs::status(server().dir() + "/audit.2.key").permissions() & fs::perms::all,
        fs::perms::owner_read | fs::perms::owner_write);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    registerAgency("B0001", "xca-school", "moica-tsai");

    EXPECT_EQ(count("FROM audit_events WHERE key_id = '1'"), underOne)
        << "the rows before the rotation keep key 1";
    EXPECT_EQ(count("FROM audit_events WHERE key_id = '2' AND action = 'keys.audit-key-added'"), 1);
    ASSERT_GT(count("FROM audit_events WHERE agency_code = 'B0001'"), 0);
    EXPECT_EQ(count("FROM audit_events WHERE key_id = '2' AND agency_code = 'B0001'"),
        count("FROM audit_events WHERE agency_code = 'B0001'"))
        << "the server's new rows are under key 2";
    auto ok = verify();
    ASSERT_EQ(ok.exitCode, 0) << ok.output;
    EXPECT_NE(ok.output.find("\"checked\": " + sql("SELECT COUNT(*) FROM audit_events")),
        std::string::npos)
        << ok.output;

    // A key-2 row altered, or made to claim key 1, fails; so does a ring without key 2.
    const auto seq = sql("SELECT MAX(seq) FROM audit_events WHERE agency_code = 'B0001'");
    const auto details = sql("SELECT details FROM audit_events WHERE seq = " + seq);
    sql("UPDATE audit_events SET details = '{}' WHERE seq = " + seq);
    auto altered = verify();
    EXPECT_EQ(altered.exitCode, 1) << altered.output;
    EXPECT_NE(altered.output.find("\"firstBadSeq\": " + seq), std::string::npos) << altered.output;
    sql("UPDATE audit_events SET details = '" + details + "' WHERE seq = " + seq);
    sql("UPDATE audit_events SET key_id = '1' WHERE seq = " + seq);
    auto relabelled = verify();
    EXPECT_EQ(relabelled.exitCode, 1) << relabelled.output;
    sql("UPDATE audit_events SET key_id = '2' WHERE seq = " + seq);
    EXPECT_EQ(verify().exitCode, 0);

    server().stop();
    fs::rename(server().dir() + "/audit.2.key", scratch_.file("audit.2.key"));
    auto lacking = verify();
    EXPECT_EQ(lacking.exitCode, 1) << lacking.output;
    EXPECT_NE(lacking.output.find("which the key ring lacks"), std::string::npos) << lacking.output;
    fs::rename(scratch_.file("audit.2.key"), server().dir() + "/audit.2.key");
    EXPECT_EQ(verify().exitCode, 0);
}

} // namespace

CERTGATE_SERVER_ON_ALL_BACKENDS(PiiKeyRotationTest);
CERTGATE_SERVER_ON_ALL_BACKENDS(AuditKeyRotationTest);
