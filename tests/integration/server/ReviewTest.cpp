// Identifier mismatch and the review path (issue 5 item 3; SPEC §3.1 step 2, §3.6; manual
// 第三章 四、(一)): OID_MISMATCH moves the flow to the review step, the review application
// writes a receipt, every registration step of the agency then answers REVIEW_PENDING with
// the responsible section's contact, and ops staff decide through the admin API; an approval
// takes effect at 00:00 Asia/Taipei of the next business day.
#include "PortalTestSupport.hpp"

#include <thread>

namespace certgate::test {
namespace {

class ReviewTest : public PortalTest {
protected:
    /// E0001 (臺南市, gca) presented with 外交部's card: the flow at the review step.
    FlowClient mismatched(const std::string& type = "first-registration")
    {
        auto flow = startFlow(type);
        if (type != "authorisation")
            require(flow.acceptTerms(), 200, "terms");
        auto response = flow.organisationCard("E0001", "gca-mofa");
        if (!refused(response, 409, "OID_MISMATCH"))
            throw std::runtime_error("expected OID_MISMATCH: " + response.body);
        return flow;
    }

    /// The mismatch and the review application: returns the receipt number.
    std::string applyForReview(FlowClient& flow)
    {
        auto response
            = require(flow.reviewApplication("陳小姐", "06-2991111"), 200, "review application");
        return text(object(object(body(response), "flow"), "receipt"), "number");
    }

    std::string pendingReviewId(const AdminSession& admin)
    {
        auto list = require(admin.get("/reviews?status=pending"), 200, "review list");
        auto reviews = array(body(list), "reviews");
        if (reviews->size() != 1)
            throw std::runtime_error("expected one pending review: " + list.body);
        return text(reviews->getObject(0), "id");
    }

    static HttpResponse decide(const AdminSession& admin, const std::string& id,
        const std::string& decision, const std::string& note)
    {
        Json request = new Poco::JSON::Object;
        request->set("decision", decision);
        request->set("note", note);
        return admin.post("/reviews/" + id + "/decision", stringify(request));
    }

    /// The section contact of a REVIEW_PENDING / OID_MISMATCH answer is 臺南's: 承保第二科.
    static ::testing::AssertionResult section2(const HttpResponse& response)
    {
        auto json = body(response);
        if (text(json, "sectionZh") != "承保第二科" || text(json, "extension") != "5353"
            || text(json, "phone") != "(02)27013411")
            return ::testing::AssertionFailure() << "not section 2's contact: " << response.body;
        return ::testing::AssertionSuccess();
    }

    static std::string receiptStatus(const std::string& url, const std::string& number)
    {
        auto response = httpRequest("GET", url + "/api/v1/receipts?agencyCode=E0001");
        auto receipts = array(body(response), "receipts");
        for (std::size_t i = 0; i < receipts->size(); ++i)
            if (text(receipts->getObject(static_cast<unsigned>(i)), "number") == number)
                return text(receipts->getObject(static_cast<unsigned>(i)), "kind") + "/"
                    + text(receipts->getObject(static_cast<unsigned>(i)), "status");
        return "missing: " + response.body;
    }
};

TEST_P(ReviewTest, AnIdentifierMismatchMovesTheFlowToTheReviewStepWithTheSectionContact)
{
    auto flow = startFlow("first-registration");
    ASSERT_TRUE(answered(flow.acceptTerms()));
    auto oldCookie = flow.sessionCookie();

    auto response = flow.organisationCard("E0001", "gca-mofa");

    ASSERT_TRUE(refused(response, 409, "OID_MISMATCH"));
    EXPECT_TRUE(section2(response));
    EXPECT_EQ(text(body(response), "sectionEn"), "Underwriting Section 2");
    auto view = object(body(response), "flow");
    EXPECT_EQ(text(view, "step"), "review");
    EXPECT_EQ(text(view, "agencyCode"), "E0001");
    EXPECT_EQ(text(object(view, "section"), "extension"), "5353");
    EXPECT_EQ(text(object(view, "organisation"), "identifier"), card("gca-mofa").identifier);
    // Like any card step, the answer rotates the session.
    EXPECT_NE(flow.sessionCookie(), oldCookie);
    EXPECT_FALSE(text(body(response), "csrfToken").empty());
    EXPECT_EQ(count("FROM reviews"), 0) << "no case before the applicant confirms";
    // The manager step is not reachable from here.
    EXPECT_TRUE(
        refused(flow.managerCard(card("moica-wang").nationalId, "moica-wang"), 409, "FLOW_STEP"));
}

TEST_P(ReviewTest, TheReviewApplicationNeedsNameAndPhoneAndWritesAnUnderReviewReceipt)
{
    auto flow = mismatched();

    EXPECT_TRUE(
        refused(flow.reviewApplication("", "06-2991111"), 422, "INVALID_INPUT", "applicantName"));
    EXPECT_TRUE(refused(
        flow.reviewApplication("   ", "06-2991111"), 422, "INVALID_INPUT", "applicantName"));
    EXPECT_TRUE(
        refused(flow.reviewApplication("陳小姐", ""), 422, "INVALID_INPUT", "applicantPhone"));
    EXPECT_TRUE(refused(
        flow.reviewApplication("陳小姐", "phone me"), 422, "INVALID_INPUT", "applicantPhone"));
    EXPECT_TRUE(refused(flow.reviewApplication(std::string(200, 'x'), "06-2991111"), 422,
        "INVALID_INPUT", "applicantName"));
    EXPECT_EQ(count("FROM reviews"), 0);

    auto response = flow.reviewApplication("陳小姐", "06-2991111");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(flow.step(), "review-submitted");
    auto receipt = object(object(body(response), "flow"), "receipt");
    EXPECT_EQ(text(receipt, "kind"), "review-application");
    EXPECT_EQ(text(receipt, "status"), "under-review");
    auto number = text(receipt, "number");
    EXPECT_EQ(receiptStatus(server_->url(), number), "review-application/under-review");
    EXPECT_EQ(count("FROM reviews WHERE agency_code = 'E0001' AND status = 'pending'"), 1);
    // A second application from the same flow is out of order.
    EXPECT_TRUE(refused(flow.reviewApplication("陳小姐", "06-2991111"), 409, "FLOW_STEP"));
    EXPECT_EQ(count("FROM reviews"), 1);
}

TEST_P(ReviewTest, WhileACaseIsPendingEveryRegistrationStepOfTheAgencyAnswersReviewPending)
{
    auto flow = mismatched();
    applyForReview(flow);

    for (const auto* type :
        { "first-registration", "replace-organisation", "replace-manager", "replace-both" }) {
        for (const auto* cardName : { "gca-mofa", "gca-moi" }) {
            auto other = startFlow(type);
            ASSERT_TRUE(answered(other.acceptTerms()));
            auto response = other.organisationCard("E0001", cardName);
            EXPECT_TRUE(refused(response, 409, "REVIEW_PENDING")) << type << " " << cardName;
            EXPECT_TRUE(section2(response)) << type;
        }
    }
    // Authorisation is not a registration step (manual: the pending message shows on the
    // registration steps): the unregistered agency simply is not registered.
    auto authorisation = startFlow("authorisation");
    EXPECT_TRUE(refused(authorisation.organisationCard("E0001", "gca-moi"), 409, "NOT_REGISTERED"));
    // Other agencies are not affected.
    auto other = startFlow("first-registration");
    ASSERT_TRUE(answered(other.acceptTerms()));
    EXPECT_TRUE(answered(other.organisationCard("A0001", "gca-moi")));
}

TEST_P(ReviewTest, StaffApproveWithEffectFromTheNextBusinessDayAndThenTheCardRegisters)
{
    // Run the whole case on a Friday afternoon in Taipei (the coming one), so the next
    // business day is after a weekend (and after any holiday next to it).
    auto now = unixNow();
    auto today = taipeiMidnight(1970, 1, 1) + (now + 8 * 3600) / 86400 * 86400;
    std::int64_t friday = 0;
    for (int i = 0; i < 8 && friday == 0; ++i) {
        auto midnight = today + i * 86400;
        std::chrono::weekday weekday { std::chrono::sys_days(
            std::chrono::days((midnight + 8 * 3600) / 86400)) };
        if (weekday == std::chrono::Friday && midnight + 15 * 3600 > now + 60)
            friday = midnight + 15 * 3600;
    }
    ASSERT_NE(friday, 0);
    setServerTime(friday);
    auto flow = mismatched();
    auto number = applyForReview(flow);
    auto admin = staffSession();
    auto id = pendingReviewId(admin);
    auto review = object(body(admin.get("/reviews/" + id)), "review");
    EXPECT_EQ(text(review, "agencyCode"), "E0001");
    EXPECT_EQ(text(review, "flowType"), "first-registration");
    EXPECT_EQ(text(review, "applicantName"), "陳小姐");
    EXPECT_EQ(text(review, "applicantPhone"), "06-2991111");
    EXPECT_EQ(text(review, "presentedIdentifier"), card("gca-mofa").identifier);
    EXPECT_EQ(text(review, "expectedIdentifier"), "2.16.886.101.20003.20099");
    EXPECT_EQ(text(review, "status"), "pending");

    auto approvedAt = unixNow() + clockOffset();
    auto decision = decide(admin, id, "approve", "外交部南部辦公室 certificate confirmed by phone");

    ASSERT_TRUE(answered(decision));
    auto decided = object(body(decision), "review");
    EXPECT_EQ(text(decided, "status"), "approved");
    auto expected = expectedNextBusinessDayStart(approvedAt, holidaysFromConf());
    EXPECT_GE(expected - approvedAt, 2 * 86400) << "Friday → Monday at the earliest";
    EXPECT_EQ(text(decided, "effectiveFrom"), isoUtc(expected))
        << "expected 00:00 Taipei of " << taipeiDate(expected);
    EXPECT_EQ(receiptStatus(server_->url(), number), "review-application/approved");
    EXPECT_EQ(array(body(admin.get("/reviews?status=pending")), "reviews")->size(), 0u);

    // Until 00:00 of that day the agency is still pending, with the date it opens.
    setServerTime(expected - 120);
    auto early = startFlow("first-registration");
    ASSERT_TRUE(answered(early.acceptTerms()));
    auto pending = early.organisationCard("E0001", "gca-mofa");
    EXPECT_TRUE(refused(pending, 409, "REVIEW_PENDING"));
    EXPECT_TRUE(section2(pending));
    EXPECT_EQ(text(body(pending), "effectiveFrom"), std::to_string(expected));

    // From then on the presented card registers, and becomes the agency's master data.
    setServerTime(expected + 30);
    auto later = registerAgency("E0001", "gca-mofa", "moica-tsai");
    EXPECT_EQ(text(object(object(later.last(), "flow"), "receipt"), "kind"), "first-registration");
    // (Days have passed: the staff session of Friday has expired.)
    EXPECT_TRUE(refused(admin.get("/me"), 401, "SESSION_INVALID"));
    admin = staffSession();
    auto agencies = body(admin.get("/agencies?q=E0001"));
    ASSERT_EQ(array(agencies, "agencies")->size(), 1u);
    auto agency = array(agencies, "agencies")->getObject(0);
    EXPECT_EQ(text(agency, "expectedIdentifier"), card("gca-mofa").identifier);
    EXPECT_EQ(text(agency, "expectedCa"), "gca");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'agency.identifier-updated' AND "
                    "agency_code = 'E0001'"),
        1);
    auto registration = body(admin.get("/agencies/E0001/registration"));
    EXPECT_EQ(text(object(object(registration, "registration"), "organisation"), "serial"),
        card("gca-mofa").serial);
}

TEST_P(ReviewTest, ARejectionNeedsANoteMarksTheReceiptRejectedAndCannotBeDecidedAgain)
{
    auto flow = mismatched();
    auto number = applyForReview(flow);
    auto admin = staffSession();
    auto id = pendingReviewId(admin);

    EXPECT_TRUE(refused(decide(admin, id, "reject", ""), 422, "INVALID_INPUT", "note"));
    EXPECT_TRUE(refused(decide(admin, id, "reject", "   "), 422, "INVALID_INPUT", "note"));
    EXPECT_TRUE(refused(decide(admin, id, "maybe", "why not"), 422, "INVALID_INPUT", "decision"));
    EXPECT_EQ(receiptStatus(server_->url(), number), "review-application/under-review");

    auto response = decide(admin, id, "reject", "此機關憑證非貴機關所有");

    ASSERT_TRUE(answered(response));
    EXPECT_EQ(text(object(body(response), "review"), "status"), "rejected");
    EXPECT_EQ(text(object(body(response), "review"), "note"), "此機關憑證非貴機關所有");
    EXPECT_FALSE(object(body(response), "review")->has("effectiveFrom"));
    EXPECT_EQ(receiptStatus(server_->url(), number), "review-application/rejected");
    EXPECT_TRUE(refused(decide(admin, id, "approve", ""), 409, "REVIEW_DECIDED"));
    EXPECT_TRUE(refused(decide(admin, id, "reject", "again"), 409, "REVIEW_DECIDED"));
    EXPECT_TRUE(refused(decide(admin, std::string(32, 'f'), "approve", ""), 404, "NOT_FOUND"));
    EXPECT_EQ(count("FROM audit_events WHERE action = 'review.reject' AND outcome = 'ok'"), 1);

    // After a rejection the agency is no longer pending: the same card is a new mismatch.
    auto again = startFlow("first-registration");
    ASSERT_TRUE(answered(again.acceptTerms()));
    EXPECT_TRUE(refused(again.organisationCard("E0001", "gca-mofa"), 409, "OID_MISMATCH"));
}

TEST_P(ReviewTest, EveryAdminCallNeedsTheStaffSessionAndItsCsrfToken)
{
    auto flow = mismatched();
    applyForReview(flow);
    auto admin = staffSession();
    auto id = pendingReviewId(admin);

    EXPECT_TRUE(refused(admin.get("/reviews?status=pending", false), 401, "SESSION_INVALID"));
    EXPECT_TRUE(refused(AdminSession(server_->url(), "forged", admin.csrf()).get("/reviews"), 401,
        "SESSION_INVALID"));
    EXPECT_TRUE(refused(admin.post("/reviews/" + id + "/decision",
                            R"({"decision":"approve","note":""})", true, false),
        401, "SESSION_INVALID"));
    EXPECT_TRUE(refused(
        admin.post("/reviews/" + id + "/decision", R"({"decision":"approve","note":""})", false),
        403, "CSRF_INVALID"));
    EXPECT_TRUE(
        refused(AdminSession(server_->url(), admin.cookie(), "wrong")
                    .post("/reviews/" + id + "/decision", R"({"decision":"approve","note":""})"),
            403, "CSRF_INVALID"));
    EXPECT_EQ(count("FROM reviews WHERE status = 'pending'"), 1) << "nothing was decided";
}

TEST_P(ReviewTest, TwoStaffDecidingOneCaseAtOnceGetOneDecision)
{
    auto flow = mismatched();
    auto number = applyForReview(flow);
    auto admin = staffSession();
    auto other = staffSession();
    auto id = pendingReviewId(admin);

    std::vector<HttpResponse> answers(6);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < answers.size(); ++i)
        threads.emplace_back([&, i] {
            answers[i] = i % 2 == 0 ? decide(admin, id, "approve", "ok")
                                    : decide(other, id, "reject", "not theirs");
        });
    for (auto& t : threads)
        t.join();

    std::string decided;
    int ok = 0;
    for (const auto& a : answers) {
        if (a.status == 200) {
            ++ok;
            decided = text(object(body(a), "review"), "status");
        } else {
            EXPECT_TRUE(refused(a, 409, "REVIEW_DECIDED")) << a.status << " " << a.body;
        }
    }
    ASSERT_EQ(ok, 1);
    EXPECT_EQ(sql("SELECT status FROM reviews WHERE id = '" + id + "'"), decided);
    EXPECT_EQ(receiptStatus(server_->url(), number), "review-application/" + decided)
        << "the receipt tells the same decision as the case";
    EXPECT_EQ(count("FROM audit_events WHERE action IN ('review.approve', 'review.reject')"), 1);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ReviewTest);

// The approval test's expectation comes from this file's own small calendar; it must agree
// with dates a person at the bureau would name (weekends, and the holidays of
// conf/holidays.json around them).
TEST(BusinessDayReferenceTest, TheTestsCalendarAgreesWithKnownBureauDates)
{
    auto holidays = holidaysFromConf();
    struct Known {
        int year;
        unsigned month, day, hour; // Taipei
        const char* next;
    };
    for (const auto& k : {
             Known { 2026, 12, 4, 15, "2026-12-07" }, // Friday → Monday
             Known { 2026, 12, 24, 10, "2026-12-28" }, // Christmas Day off, then the weekend
             Known { 2027, 2, 4, 16, "2027-02-11" }, // Lunar New Year
             Known { 2026, 9, 24, 9, "2026-09-29" }, // Mid-Autumn Friday, Teachers' Day Monday
             Known { 2026, 12, 29, 23, "2026-12-30" }, // late evening: the next day
             Known { 2026, 12, 31, 0, "2027-01-04" }, // New Year's Day, then the weekend
             Known { 2026, 12, 5, 12, "2026-12-07" }, // decided on a Saturday
         }) {
        auto at = taipeiMidnight(k.year, k.month, k.day) + k.hour * 3600;
        auto next = expectedNextBusinessDayStart(at, holidays);
        EXPECT_EQ(taipeiDate(next), k.next) << taipeiDate(at);
        EXPECT_EQ(isoUtc(next).substr(11), "16:00:00Z") << "00:00 in Taipei";
    }
}

} // namespace
} // namespace certgate::test
