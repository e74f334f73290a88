// The audit log (issue 5 item 6; SPEC §3.6, §7): state changes and refusals are recorded,
// `certgate audit verify` checks the HMAC chain, and a row edited, inserted or deleted in the
// database (or a truncated tail, given the head recorded earlier) is caught.
#include "PortalTestSupport.hpp"

#include <chrono>
#include <regex>
#include <thread>

namespace certgate::test {
namespace {

class AuditTest : public PortalTest {
protected:
    struct Verification {
        int exitCode = -1;
        Json report;
        std::string output;
    };

    Verification verify(const std::vector<std::string>& extra = {})
    {
        std::vector<std::string> args { "audit", "verify" };
        args.insert(args.end(), extra.begin(), extra.end());
        auto result = server_->cli(args);
        Verification v;
        v.exitCode = result.exitCode;
        v.output = result.output;
        // The report is the JSON object on stdout; log lines may come before it.
        auto begin = result.output.find('{');
        auto end = result.output.rfind('}');
        v.report = begin == std::string::npos
            ? Json(new Poco::JSON::Object)
            : parseJsonObject(result.output.substr(begin, end - begin + 1));
        return v;
    }

    /// A registration and some refusals on the way.
    void activity()
    {
        auto flow = startFlow("first-registration");
        require(flow.acceptTerms(), 200, "terms");
        require(flow.organisationCard("Z9999", "gca-moi"), 404, "unknown agency");
        require(flow.organisationCard("A0001", "moica-wang"), 422, "citizen card as org card");
        require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
        require(flow.managerCard(nationalIdEndingWith('A', '1', "2468"), "moica-wang"), 422,
            "ID mismatch");
        require(flow.managerCard(card("moica-expired").nationalId, "moica-expired"), 403,
            "expired card");
        require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager");
        require(flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000"), 200, "confirm");
    }

    int events() const { return count("FROM audit_events"); }
};

TEST_P(AuditTest, StateChangesAndRefusalsAreRecorded)
{
    activity();
    auto admin = staffSession();
    auto op = authorise("A0001", "gca-moi", "moica-wang");
    require(op.addOperator(card("moica-chen").serial, "陳志強", card("moica-chen").nationalId,
                { "enrolment" }),
        201, "add operator");

    auto row = [&](const std::string& where) {
        return count("FROM audit_events WHERE " + where);
    };
    EXPECT_EQ(row("action = 'agency.import' AND actor = 'cli' AND outcome = 'ok'"), 1);
    EXPECT_EQ(row("action = 'staff.add' AND actor = 'cli'"), 1);
    EXPECT_EQ(row("action = 'flow.organisation-card' AND outcome = 'refused' AND error_code = "
                  "'AGENCY_UNKNOWN' AND details LIKE '%agencyCode%'"),
        1);
    EXPECT_EQ(row("action = 'flow.organisation-card' AND outcome = 'refused' AND error_code = "
                  "'WRONG_CARD_KIND' AND agency_code = 'A0001'"),
        1);
    EXPECT_EQ(row("action = 'flow.manager-card' AND outcome = 'refused' AND error_code = "
                  "'ID_MISMATCH' AND agency_code = 'A0001' AND details LIKE '%nationalId%'"),
        1);
    EXPECT_EQ(row("action = 'flow.manager-card' AND outcome = 'refused' AND error_code = "
                  "'CERT_EXPIRED' AND actor = 'agency:A0001'"),
        1);
    EXPECT_EQ(row("action = 'registration.first-registration' AND outcome = 'ok' AND error_code = "
                  "'' AND agency_code = 'A0001' AND subject LIKE 'R%' AND details LIKE '%"
                  + card("gca-moi").serial + "%'"),
        1);
    // Who presented which card for which agency, in which function.
    EXPECT_EQ(
        row("action = 'flow.terms' AND outcome = 'ok' AND subject = 'first-registration'"), 1);
    EXPECT_EQ(row("action = 'flow.organisation-card' AND outcome = 'ok' AND agency_code = "
                  "'A0001' AND subject = '"
                  + card("gca-moi").serial + "' AND details LIKE '%first-registration%'"),
        1);
    EXPECT_EQ(row("action = 'flow.organisation-card' AND outcome = 'ok' AND details LIKE "
                  "'%authorisation%'"),
        1);
    EXPECT_EQ(row("action = 'flow.manager-card' AND outcome = 'ok' AND agency_code = 'A0001' AND "
                  "subject = '"
                  + card("moica-wang").serial + "'"),
        2)
        << "registration and authorisation";
    EXPECT_EQ(row("action = 'staff.login' AND outcome = 'ok' AND subject = '"
                  + card("moica-lee").serial + "'"),
        1);
    EXPECT_EQ(row("action = 'staff.session-start'"), 1);
    EXPECT_EQ(row("action = 'operator.add' AND outcome = 'ok' AND agency_code = 'A0001' AND "
                  "details LIKE '%"
                  + card("moica-chen").serial + "%'"),
        1);
    // The rows are numbered 1..n without gaps, each linked to the one before.
    EXPECT_EQ(sql("SELECT MIN(seq) FROM audit_events"), "1");
    EXPECT_EQ(sql("SELECT MAX(seq) FROM audit_events"), std::to_string(events()));
    EXPECT_EQ(row("seq > 1 AND prev_hash = ''"), 0);

    // Staff see the same log through the admin API.
    auto log = body(admin.get("/audit?limit=1000"));
    EXPECT_EQ(array(log, "events")->size(), static_cast<std::size_t>(events()))
        << "newest first, all of them";
    auto verified = body(admin.get("/audit/verify"));
    EXPECT_EQ(text(verified, "ok"), "true");
}

TEST_P(AuditTest, RequestsRefusedBeforeTheyReachTheCoreAreRecordedOnceToo)
{
    auto flow = startFlow("query-serial");
    auto before = events();
    // Not JSON; no token; an unknown flow type; an admin call without a session.
    EXPECT_TRUE(refused(flow.request("POST", "/citizen-card", "not json"), 422, "INVALID_INPUT"));
    EXPECT_TRUE(
        refused(flow.request("POST", "/citizen-card", R"({"nonce":"x"})"), 400, "MALFORMED_TOKEN"));
    EXPECT_TRUE(
        refused(httpRequest("POST", server_->url() + "/api/v1/flows", R"({"type":"no-such-flow"})"),
            422, "INVALID_INPUT"));
    EXPECT_TRUE(refused(
        httpRequest("GET", server_->url() + "/admin/api/v1/reviews"), 401, "SESSION_INVALID"));

    EXPECT_EQ(events(), before + 4);
    auto row = [&](const std::string& where) {
        return count("FROM audit_events WHERE " + where);
    };
    EXPECT_EQ(row("action = 'http.POST /api/v1/flows/" + flow.flowId()
                  + "/citizen-card' AND outcome = 'refused' AND error_code = 'MALFORMED_TOKEN' AND "
                    "actor = "
                    "'client:127.0.0.1'"),
        1);
    EXPECT_EQ(row("action = 'http.POST /api/v1/flows' AND error_code = 'INVALID_INPUT' AND details "
                  "LIKE '%type%'"),
        1);
    EXPECT_EQ(
        row("action = 'http.GET /admin/api/v1/reviews' AND error_code = 'SESSION_INVALID'"), 1);
    // A refusal the core recorded (with its agency) is not recorded a second time here.
    auto other = startFlow("query-oid");
    auto before2 = events();
    EXPECT_TRUE(refused(other.organisationCard("ZZZZZ", "gca-moi"), 404, "AGENCY_UNKNOWN"));
    EXPECT_EQ(events(), before2 + 1);
}

TEST_P(AuditTest, AnIntactChainVerifiesAndReportsItsHead)
{
    activity();
    auto n = events();

    auto result = verify();

    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_EQ(text(result.report, "ok"), "true") << result.output;
    EXPECT_EQ(text(result.report, "checked"), std::to_string(n)) << result.output;
    auto head = text(result.report, "head");
    EXPECT_EQ(head,
        std::to_string(n) + ":"
            + sql("SELECT hash FROM audit_events WHERE seq = " + std::to_string(n)));
    auto withHead = verify({ "--expect-head", head });
    EXPECT_EQ(withHead.exitCode, 0) << withHead.output;
}

TEST_P(AuditTest, AnEditedRowIsCaughtAtThatRow)
{
    activity();
    auto original = sql("SELECT details FROM audit_events WHERE seq = 2");
    sql("UPDATE audit_events SET details = '{\"added\":0}' WHERE seq = 2");

    auto edited = verify();

    EXPECT_EQ(edited.exitCode, 1) << edited.output;
    EXPECT_EQ(text(edited.report, "ok"), "false");
    EXPECT_EQ(text(edited.report, "firstBadSeq"), "2") << edited.output;
    EXPECT_NE(text(edited.report, "problem").find("row 2"), std::string::npos) << edited.output;

    // Other columns are covered too: the outcome of a refusal, the time of a row.
    sql("UPDATE audit_events SET details = '" + original + "' WHERE seq = 2");
    ASSERT_EQ(verify().exitCode, 0);
    auto refusal = sql("SELECT MIN(seq) FROM audit_events WHERE outcome = 'refused'");
    sql("UPDATE audit_events SET outcome = 'ok', error_code = '' WHERE seq = " + refusal);
    auto whitewashed = verify();
    EXPECT_EQ(whitewashed.exitCode, 1);
    EXPECT_EQ(text(whitewashed.report, "firstBadSeq"), refusal) << whitewashed.output;
    sql("UPDATE audit_events SET outcome = 'refused', error_code = 'AGENCY_UNKNOWN' WHERE seq = "
        + refusal);
    ASSERT_EQ(verify().exitCode, 0);
    sql("UPDATE audit_events SET at = at + 1 WHERE seq = 3");
    auto retimed = verify();
    EXPECT_EQ(retimed.exitCode, 1);
    EXPECT_EQ(text(retimed.report, "firstBadSeq"), "3") << retimed.output;
}

TEST_P(AuditTest, AnInsertedRowIsCaught)
{
    activity();
    auto n = events();
    auto last = sql("SELECT hash FROM audit_events WHERE seq = " + std::to_string(n));
    // A row that links to the real head but was not made with the key.
    sql("INSERT INTO audit_events (seq, at, actor, action, outcome, error_code, agency_code, "
        "subject, details, prev_hash, hash) VALUES ("
        + std::to_string(n + 1)
        + ", 1764201600, 'staff:intruder', 'review.approve', 'ok', '', 'E0001', 'x', '{}', '" + last
        + "', '" + std::string(64, 'a') + "')");

    auto appended = verify();

    EXPECT_EQ(appended.exitCode, 1) << appended.output;
    EXPECT_EQ(text(appended.report, "firstBadSeq"), std::to_string(n + 1)) << appended.output;

    // Squeezed in between: renumber the tail up by one and put a row in the gap.
    sql("DELETE FROM audit_events WHERE seq = " + std::to_string(n + 1));
    ASSERT_EQ(verify().exitCode, 0);
    for (int seq = n; seq >= 3; --seq)
        sql("UPDATE audit_events SET seq = " + std::to_string(seq + 1)
            + " WHERE seq = " + std::to_string(seq));
    sql("INSERT INTO audit_events (seq, at, actor, action, outcome, error_code, agency_code, "
        "subject, details, prev_hash, hash) SELECT 3, at, actor, action, outcome, error_code, "
        "agency_code, subject, details, hash, hash FROM audit_events WHERE seq = 2");

    auto squeezed = verify();

    EXPECT_EQ(squeezed.exitCode, 1) << squeezed.output;
    EXPECT_EQ(text(squeezed.report, "firstBadSeq"), "3") << squeezed.output;
}

TEST_P(AuditTest, ADeletedMiddleRowIsCaughtAsMissing)
{
    activity();
    auto n = events();
    ASSERT_GT(n, 5);
    auto middle = std::to_string(n / 2);
    sql("DELETE FROM audit_events WHERE seq = " + middle);

    auto result = verify();

    EXPECT_EQ(result.exitCode, 1) << result.output;
    EXPECT_EQ(text(result.report, "firstBadSeq"), middle) << result.output;
    EXPECT_NE(text(result.report, "problem").find("missing"), std::string::npos) << result.output;

    // Closing the gap by renumbering breaks the link instead.
    for (int seq = std::stoi(middle) + 1; seq <= n; ++seq)
        sql("UPDATE audit_events SET seq = " + std::to_string(seq - 1)
            + " WHERE seq = " + std::to_string(seq));
    auto renumbered = verify();
    EXPECT_EQ(renumbered.exitCode, 1) << renumbered.output;
    EXPECT_EQ(text(renumbered.report, "firstBadSeq"), middle) << renumbered.output;
}

TEST_P(AuditTest, ATruncatedTailIsCaughtByTheHeadRecordedEarlier)
{
    activity();
    auto recorded = verify();
    ASSERT_EQ(recorded.exitCode, 0) << recorded.output;
    auto head = text(recorded.report, "head");
    auto n = events();

    sql("DELETE FROM audit_events WHERE seq >= " + std::to_string(n - 1));

    // The shorter chain is still a valid chain on its own...
    auto alone = verify();
    EXPECT_EQ(alone.exitCode, 0) << alone.output;
    EXPECT_EQ(text(alone.report, "checked"), std::to_string(n - 2));
    // ...but not the one whose head was recorded.
    auto checked = verify({ "--expect-head", head });
    EXPECT_EQ(checked.exitCode, 1) << checked.output;
    EXPECT_EQ(text(checked.report, "ok"), "false");
    EXPECT_NE(text(checked.report, "problem").find(head), std::string::npos) << checked.output;

    // A head that was rewritten is caught as well.
    auto bogus = std::to_string(n - 2) + ":" + std::string(64, '0');
    EXPECT_EQ(verify({ "--expect-head", bogus }).exitCode, 1);
    EXPECT_EQ(verify({ "--expect-head", "garbage" }).exitCode, 1);
}

TEST_P(AuditTest, TheServerKeepsAppendingToAVerifiedChainAfterARestart)
{
    activity();
    server_->stop();
    server_->start();
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 409, "already registered");

    auto result = verify();

    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_EQ(count("FROM audit_events WHERE error_code = 'ALREADY_REGISTERED'"), 1);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(AuditTest);

/// The server logs the chain's head when it moves (here every second), so the service log is
/// the copy outside the database that catches a truncated tail.
class AuditHeadLogTest : public AuditTest {
protected:
    void configure(Json& config) override
    {
        setConfigValue(config, "logging", "auditHeadSeconds", 1);
    }

    /// The newest "audit head SEQ:HASH" line of the server's log.
    std::string loggedHead()
    {
        static const std::regex line(R"(audit head (\d+:[0-9a-f]*))");
        std::string head;
        auto output = server_->output();
        for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it)
            head = (*it)[1];
        return head;
    }
};

TEST_P(AuditHeadLogTest, TheServerLogsTheHeadThatLaterCatchesATruncatedTail)
{
    EXPECT_FALSE(loggedHead().empty()) << "no head logged at start: " << server_->output();
    activity();
    auto current = verify();
    ASSERT_EQ(current.exitCode, 0) << current.output;
    auto head = text(current.report, "head");
    std::string logged;
    for (int i = 0; i < 50 && logged != head; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        logged = loggedHead();
    }
    ASSERT_EQ(logged, head) << server_->output();
    EXPECT_EQ(logged.substr(0, logged.find(':')), std::to_string(events()));

    sql("DELETE FROM audit_events WHERE seq = " + std::to_string(events()));
    auto truncated = verify({ "--expect-head", logged });
    EXPECT_EQ(truncated.exitCode, 1) << truncated.output;
    EXPECT_EQ(text(truncated.report, "ok"), "false");
}

CERTGATE_SERVER_ON_ALL_BACKENDS(AuditHeadLogTest);

} // namespace
} // namespace certgate::test
