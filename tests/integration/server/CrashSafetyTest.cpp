// A crash in the middle of confirm (issue 5 item 8; SPEC §7 "every multi-row change is one
// transaction"): the server is killed with SIGKILL while confirm's transaction is open with
// the organisation certificate, manager and registration rows written (testing-only hook
// testing.pauseInsideConfirmMs); after a restart on the same database nothing of it is
// there, and the same flow confirms once, completely.
#include "PortalTestSupport.hpp"

#include <chrono>
#include <thread>

namespace certgate::test {
namespace {

class CrashSafetyTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        setConfigValue(config, "testing", "pauseInsideConfirmMs", 60000);
    }

    int rowsOfA0001() const
    {
        return count("FROM registrations WHERE agency_code = 'A0001'")
            + count("FROM org_certificates WHERE agency_code = 'A0001'")
            + count("FROM managers WHERE agency_code = 'A0001'")
            + count("FROM receipts WHERE agency_code = 'A0001'");
    }

    bool waitForOutput(const std::string& needle, std::chrono::seconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (server_->output().find(needle) != std::string::npos)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
};

TEST_P(CrashSafetyTest, AKillInsideConfirmLeavesNoHalfWrittenRegistrationAndTheFlowConfirmsAfter)
{
    EXPECT_NE(server_->output().find("TESTING ONLY: every registration confirm pauses"),
        std::string::npos)
        << "the hook is announced loudly";
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 200, "manager card");
    auto events = count("FROM audit_events");

    // The browser's confirm, cut off by the crash.
    auto inFlight = flow;
    std::string outcome = "no answer";
    std::thread confirm([&] {
        try {
            auto response = inFlight.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000", "1234");
            outcome = "answered " + std::to_string(response.status) + " " + response.body;
        } catch (const std::exception& e) {
            outcome = std::string("connection lost: ") + e.what();
        }
    });
    bool paused
        = waitForOutput("confirm of A0001 paused inside its transaction", std::chrono::seconds(30));
    server_->kill();
    confirm.join();
    ASSERT_TRUE(paused) << server_->output();
    EXPECT_EQ(outcome.rfind("connection lost", 0), 0u) << outcome;

    // Nothing of the registration is there, before and after a restart on the same database.
    EXPECT_EQ(rowsOfA0001(), 0);
    editConfig(*server_,
        [](Json& config) { config->getObject("testing")->remove("pauseInsideConfirmMs"); });
    server_->start();
    EXPECT_EQ(rowsOfA0001(), 0);
    EXPECT_EQ(count("FROM audit_events"), events) << "no audit row of the lost confirm";
    auto receipts = httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=A0001");
    EXPECT_EQ(array(body(receipts), "receipts")->size(), 0u) << receipts.body;

    // The flow survived (it lives in the database) and confirms now, once.
    flow = resume(flow, *server_);
    EXPECT_EQ(flow.step(), "confirm");
    auto again = flow.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000", "1234");
    ASSERT_TRUE(answered(again));
    EXPECT_EQ(flow.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'registration.first-registration'"), 1);
    EXPECT_EQ(text(object(object(body(again), "flow"), "receipt"), "number").substr(9), "00001")
        << "the receipt counter did not move either";
    auto verified = server_->cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;

    // And the agency works: the registered cards authorise.
    EXPECT_NO_THROW(authorise("A0001", "gca-moi", "moica-wang"));
}

CERTGATE_SERVER_ON_ALL_BACKENDS(CrashSafetyTest);

} // namespace
} // namespace certgate::test
