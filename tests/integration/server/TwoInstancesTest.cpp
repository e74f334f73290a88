// Two `certgate serve` processes on one database (issue 5 item 9; SPEC §9): flows, nonces and
// sessions live in the database, so a flow can move between instances step by step, and a
// nonce issued by one is redeemed on the other exactly once. SPEC §9 names PostgreSQL; the
// embedded SQLite file is shared by two processes the same way and is checked too.
#include "PortalTestSupport.hpp"

#include <certgate/test/CardSigner.hpp>

#include <thread>

namespace certgate::test {
namespace {

class TwoInstancesTest : public PortalTest {
protected:
    void SetUp() override
    {
        PortalTest::SetUp();
        second_ = std::make_unique<ServerInstance>(database_, options());
        second_->start();
    }

    /// The same flow seen from instance B: its id, cookie and CSRF token.
    FlowClient onSecond(const FlowClient& flow) { return resume(flow, *second_); }

    static void follow(FlowClient& to, const FlowClient& from)
    {
        to.setSessionCookie(from.sessionCookie());
        to.setCsrfToken(from.csrfToken());
    }

    HttpResponse managerStep(FlowClient& flow, const std::string& nationalId,
        const std::string& nonce, const std::string& cardName)
    {
        Json fields = new Poco::JSON::Object;
        fields->set("nationalId", nationalId);
        return flow.cardStep(
            "manager-card", fields, nonce, signToken(card(cardName), server_->origin(), nonce));
    }

    std::unique_ptr<ServerInstance> second_;
};

TEST_P(TwoInstancesTest, AFlowMovesBetweenInstancesAndANonceIsRedeemedOnAnyOfThemOnce)
{
    ASSERT_NE(server_->url(), second_->url());
    auto a = startFlow("first-registration");
    require(a.acceptTerms(), 200, "terms on A");
    require(a.organisationCard("A0001", "gca-moi"), 200, "organisation card on A");
    auto b = onSecond(a);
    EXPECT_EQ(b.step(), "manager");
    EXPECT_EQ(b.flowId(), a.flowId());

    // A nonce issued by A, redeemed on B (the attempt fails after the nonce: wrong ID)...
    auto fromA = a.challenge("manager");
    auto otherId = nationalIdEndingWith('A', '1', "2468");
    ASSERT_TRUE(refused(managerStep(b, otherId, fromA, "moica-wang"), 422, "ID_MISMATCH"));
    // ...is used up for both.
    EXPECT_TRUE(refused(
        managerStep(a, card("moica-wang").nationalId, fromA, "moica-wang"), 400, "NONCE_REPLAYED"));
    EXPECT_TRUE(refused(
        managerStep(b, card("moica-wang").nationalId, fromA, "moica-wang"), 400, "NONCE_REPLAYED"));

    // The manager step on B with B's challenge; the session it rotates is good on A.
    auto fromB = b.challenge("manager");
    ASSERT_TRUE(answered(managerStep(b, card("moica-wang").nationalId, fromB, "moica-wang")));
    EXPECT_EQ(b.step(), "confirm");
    follow(a, b);
    auto confirmed = a.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000");

    ASSERT_TRUE(answered(confirmed));
    EXPECT_EQ(a.step(), "done");
    EXPECT_EQ(count("FROM registrations WHERE agency_code = 'A0001'"), 1);
    // B sees the registration A wrote.
    auto receipts = httpRequest("GET", second_->url() + "/api/v1/receipts?agencyCode=A0001");
    EXPECT_EQ(array(body(receipts), "receipts")->size(), 1u) << receipts.body;
    auto verified = server_->cli({ "audit", "verify" });
    EXPECT_EQ(verified.exitCode, 0) << verified.output;
}

TEST_P(TwoInstancesTest, TheOldSessionIdIsRefusedByBothInstancesAfterACardStepOnEither)
{
    auto a = startFlow("first-registration");
    require(a.acceptTerms(), 200, "terms");
    auto before = a.sessionCookie();
    auto b = onSecond(a);
    require(b.organisationCard("A0001", "gca-moi"), 200, "organisation card on B");
    ASSERT_NE(b.sessionCookie(), before);

    EXPECT_TRUE(refused(a.get(), 401, "SESSION_INVALID")) << "A still holds the old cookie";
    follow(a, b);
    EXPECT_TRUE(answered(a.get()));
    EXPECT_EQ(a.step(), "manager");
}

TEST_P(TwoInstancesTest, ConcurrentRedemptionsOfOneNonceOnTwoInstancesSucceedOnce)
{
    // Five flows; each nonce is submitted to A and to B at the same moment. The loser finds
    // the nonce used, or (when the winner was quicker still) the session already rotated.
    int successes = 0;
    int replays = 0;
    for (int round = 0; round < 5; ++round) {
        auto a = startFlow("query-serial");
        auto b = onSecond(a);
        auto nonce = a.challenge("citizen");
        const auto& wang = card("moica-wang");
        auto token = signToken(wang, server_->origin(), nonce);
        Json fields = new Poco::JSON::Object;
        fields->set("nationalId", wang.nationalId);
        Json fieldsB = new Poco::JSON::Object;
        fieldsB->set("nationalId", wang.nationalId);
        HttpResponse onA;
        HttpResponse onB;
        std::thread first([&] { onA = a.cardStep("citizen-card", fields, nonce, token); });
        std::thread second([&] { onB = b.cardStep("citizen-card", fieldsB, nonce, token); });
        first.join();
        second.join();
        for (const auto* r : { &onA, &onB }) {
            if (r->status == 200)
                ++successes;
            else if (errorCode(*r) == "NONCE_REPLAYED" || errorCode(*r) == "SESSION_INVALID")
                ++replays;
            else
                ADD_FAILURE() << "unexpected answer " << r->status << " " << r->body;
        }
    }
    EXPECT_EQ(successes, 5);
    EXPECT_EQ(replays, 5);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(TwoInstancesTest);

} // namespace
} // namespace certgate::test
