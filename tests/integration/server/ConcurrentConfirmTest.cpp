// Confirm submitted twice at once (a double click, two tabs, two people of one agency; SPEC
// §7 "every multi-row change is one transaction", §9 several instances): whatever the
// timing, the change is written once and the other request gets a clear 409, never a 500.
// The testing-only hook testing.pauseInsideConfirmMs holds the first confirm inside its
// transaction so that the second one arrives while it is open.
#include "PortalTestSupport.hpp"

#include <chrono>
#include <thread>

namespace certgate::test {
namespace {

class ConcurrentConfirmTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        setConfigValue(config, "testing", "pauseInsideConfirmMs", 1500);
    }

    std::size_t pauses() { return occurrences(server_->output(), "paused inside its transaction"); }

    static std::size_t occurrences(const std::string& text, const std::string& needle)
    {
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
        return n;
    }

    /// Confirms `first` and, once it is inside its transaction, `second`; returns both answers.
    std::pair<HttpResponse, HttpResponse> confirmTogether(FlowClient first, FlowClient second)
    {
        auto before = pauses();
        HttpResponse a;
        HttpResponse b;
        std::thread one([&] { a = first.confirm("林小美", "lin@moi.gov.tw", "02-2356-5001"); });
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (pauses() == before && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::thread two([&] { b = second.confirm("林小美", "lin@moi.gov.tw", "02-2356-5001"); });
        one.join();
        two.join();
        return { a, b };
    }

    /// One answer 200, the other 409 with one of `codes`.
    static ::testing::AssertionResult onceAndConflict(
        const std::pair<HttpResponse, HttpResponse>& answers, std::vector<std::string> codes)
    {
        const auto& [a, b] = answers;
        const auto& ok = a.status == 200 ? a : b;
        const auto& other = a.status == 200 ? b : a;
        if (ok.status != 200)
            return ::testing::AssertionFailure() << "neither succeeded: " << a.status << " "
                                                 << a.body << " / " << b.status << " " << b.body;
        for (const auto& code : codes)
            if (refused(other, 409, code))
                return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure()
            << "the second answer: " << other.status << " " << other.body;
    }
};

TEST_P(ConcurrentConfirmTest, AFirstRegistrationConfirmedTwiceAtOnceIsWrittenOnce)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(flow.managerCard(card("moica-lin").nationalId, "moica-lin"), 200, "manager card");

    auto answers = confirmTogether(flow, flow);

    EXPECT_TRUE(onceAndConflict(answers, { "FLOW_STEP", "ALREADY_REGISTERED" }));
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM org_certificates WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'registration.first-registration'"), 1);
}

TEST_P(ConcurrentConfirmTest, TwoFlowsRegisteringOneAgencyAtOnceGetOneRegistrationAndAClearRefusal)
{
    auto one = startFlow("first-registration");
    auto two = startFlow("first-registration");
    for (auto* flow : { &one, &two }) {
        require(flow->acceptTerms(), 200, "terms");
        require(flow->organisationCard("A0001", "gca-moi"), 200, "organisation card");
        require(flow->managerCard(card("moica-lin").nationalId, "moica-lin"), 200, "manager");
    }

    auto answers = confirmTogether(one, two);

    EXPECT_TRUE(onceAndConflict(answers, { "ALREADY_REGISTERED" }));
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 1);
}

TEST_P(ConcurrentConfirmTest, AReplacementConfirmedTwiceAtOnceIsWrittenOnce)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto flow = startFlow("replace-manager");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("A0001", "gca-moi"), 200, "organisation card");
    require(flow.managerCard(card("moica-lin").nationalId, "moica-lin"), 200, "new manager");

    auto answers = confirmTogether(flow, flow);

    EXPECT_TRUE(onceAndConflict(answers, { "FLOW_STEP" }));
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001'"), 2) << "the old and the new";
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001' AND replaced_at IS NULL"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'A0001'"), 2)
        << "the first registration's and the replacement's";
    EXPECT_EQ(count("FROM audit_events WHERE action = 'registration.replace-manager'"), 1);
    EXPECT_EQ(sql("SELECT m.cert_serial FROM registrations r JOIN managers m ON m.id = "
                  "r.manager_id WHERE r.agency_code = 'A0001'"),
        card("moica-lin").serial);
}

TEST_P(ConcurrentConfirmTest, TwoReplacementsOfOneAgencyAtOnceLeaveOneCurrentManager)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto one = startFlow("replace-manager");
    auto two = startFlow("replace-manager");
    for (auto* flow : { &one, &two }) {
        require(flow->acceptTerms(), 200, "terms");
        require(flow->organisationCard("A0001", "gca-moi"), 200, "organisation card");
        require(flow->managerCard(card("moica-lin").nationalId, "moica-lin"), 200, "new manager");
    }

    auto answers = confirmTogether(one, two);

    // Either both went through one after the other, or the second was refused; either way
    // the history is a chain with one current manager, which is the registration's.
    EXPECT_TRUE(answers.first.status == 200 || answers.second.status == 200);
    for (const auto* r : { &answers.first, &answers.second })
        EXPECT_TRUE(r->status == 200 || r->status == 409) << r->status << " " << r->body;
    EXPECT_EQ(count("FROM managers WHERE agency_code = 'A0001' AND replaced_at IS NULL"), 1);
    EXPECT_EQ(sql("SELECT m.replaced_at FROM registrations r JOIN managers m ON m.id = "
                  "r.manager_id WHERE r.agency_code = 'A0001'"),
        "");
}

/// Requests of one flow at the same moment without a pause hook: a burst of parallel requests.
class ConcurrentFlowRequestsTest : public PortalTest {
protected:
    template <typename Request> std::vector<HttpResponse> burst(int n, Request request)
    {
        std::vector<HttpResponse> answers(static_cast<std::size_t>(n));
        std::vector<std::thread> threads;
        for (int i = 0; i < n; ++i)
            threads.emplace_back([&, i] {
                try {
                    answers[static_cast<std::size_t>(i)] = request(i);
                } catch (const std::exception& e) {
                    answers[static_cast<std::size_t>(i)].body = e.what();
                }
            });
        for (auto& t : threads)
            t.join();
        return answers;
    }
};

TEST_P(ConcurrentFlowRequestsTest, OperatorsAddedInParallelAreEachAnsweredAsTheyWereStored)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    auto flow = authorise("A0001", "gca-moi", "moica-wang");
    const std::vector<std::string> names { "moica-chen", "moica-huang", "moica-lin", "moica-tsai",
        "moica-wu", "moica-liu", "moica-g3-kao", "moica-ecdsa" };

    auto answers = burst(static_cast<int>(names.size()), [&](int i) {
        auto copy = flow;
        const auto& c = card(names[static_cast<std::size_t>(i)]);
        return copy.addOperator(c.serial, c.personName, c.nationalId, { "enrolment" });
    });

    int created = 0;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        EXPECT_TRUE(answers[i].status == 201 || answers[i].status == 409)
            << names[i] << ": " << answers[i].status << " " << answers[i].body;
        if (answers[i].status == 201)
            ++created;
        auto stored = count("FROM operators WHERE cert_serial = '" + card(names[i]).serial + "'");
        EXPECT_EQ(stored, answers[i].status == 201 ? 1 : 0)
            << names[i] << " answered " << answers[i].status << " " << answers[i].body
            << " but is stored " << stored << " times";
    }
    EXPECT_EQ(count("FROM operators"), created);
    EXPECT_EQ(created, static_cast<int>(names.size())) << "different serials do not conflict";
    EXPECT_EQ(count("FROM audit_events WHERE action = 'operator.add'"), created);
    auto verified = server_->cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;
}

TEST_P(ConcurrentFlowRequestsTest, AReviewApplicationSubmittedSeveralTimesAtOnceOpensOneCase)
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard("E0001", "gca-mofa"), 409, "mismatch");

    auto answers = burst(6, [&](int) {
        auto copy = flow;
        return copy.reviewApplication("陳小姐", "06-2991111");
    });

    int accepted = 0;
    for (const auto& a : answers) {
        // The losers find the flow moved on, or its session already rotated by the winner.
        EXPECT_TRUE(
            a.status == 200 || refused(a, 409, "FLOW_STEP") || refused(a, 401, "SESSION_INVALID"))
            << a.status << " " << a.body;
        accepted += a.status == 200 ? 1 : 0;
    }
    EXPECT_EQ(accepted, 1);
    EXPECT_EQ(count("FROM reviews WHERE agency_code = 'E0001'"), 1);
    EXPECT_EQ(count("FROM receipts WHERE agency_code = 'E0001'"), 1);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ConcurrentConfirmTest);
CERTGATE_SERVER_ON_ALL_BACKENDS(ConcurrentFlowRequestsTest);

} // namespace
} // namespace certgate::test
