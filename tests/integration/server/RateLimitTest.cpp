// Rate limits that hold (issue 17 item 1): flow creation, card steps per flow, per certificate and
// staff logins per client answer 429 RATE_LIMITED with Retry-After once past their limit, and a
// flood of identical refusals writes a bounded number of audit rows. Low limits are configured so
// that each test stays small; the limits are held in the database.
#include "PortalTestSupport.hpp"

#include <Poco/JSON/Object.h>

using namespace certgate::test;

namespace {

class RateLimitTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        Poco::JSON::Object::Ptr limits = new Poco::JSON::Object;
        limits->set("flowsPerClient", 5);
        limits->set("noncesPerClient", 1000);
        limits->set("cardStepsPerClient", 1000);
        limits->set("cardStepsPerFlow", 3);
        limits->set("cardStepsPerCertificate", 4);
        limits->set("staffLoginsPerClient", 2);
        limits->set("auditRepeatedRefusalEvery", 10);
        setConfigValue(config, "portal", "rateLimits", limits);
    }

    /// A 429 as the issue asks: the code, both messages, and a Retry-After within the window.
    static ::testing::AssertionResult limited(const HttpResponse& response)
    {
        auto result = refused(response, 429, "RATE_LIMITED");
        if (!result)
            return result;
        auto header = response.headers.find("retry-after");
        if (header == response.headers.end())
            return ::testing::AssertionFailure() << "no Retry-After: " << response.body;
        auto seconds = std::stoi(header->second);
        if (seconds < 1 || seconds > 60)
            return ::testing::AssertionFailure() << "Retry-After " << header->second;
        if (text(body(response), "retryAfter") != header->second)
            return ::testing::AssertionFailure() << "body and header differ: " << response.body;
        return ::testing::AssertionSuccess();
    }

    static Poco::JSON::Object::Ptr garbageFields()
    {
        Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
        fields->set("nationalId", "");
        return fields;
    }
};

TEST_P(RateLimitTest, AnonymousFlowCreationStopsAtTheLimitAndAddsNoRow)
{
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(answered(client().start("query-serial"), 201)) << i;
    auto sixth = client().start("query-serial");
    EXPECT_TRUE(limited(sixth));
    EXPECT_NE(text(body(sixth), "message").find("請求次數過多"), std::string::npos) << sixth.body;
    EXPECT_EQ(count("FROM flows"), 5);
}

TEST_P(RateLimitTest, GarbageTokensOnOneFlowStopAtTheFlowsLimit)
{
    auto flow = startFlow("operator-login");
    for (int i = 0; i < 3; ++i) {
        auto nonce = flow.challenge("citizen");
        auto answer = flow.cardStep("citizen-card", garbageFields(), nonce, R"({"x":1})");
        EXPECT_EQ(answer.status, 400) << answer.body;
    }
    auto nonce = flow.challenge("citizen");
    EXPECT_TRUE(limited(flow.cardStep("citizen-card", garbageFields(), nonce, R"({"x":1})")));
    // Not even a valid card gets through on this flow until the window ends.
    EXPECT_TRUE(limited(flow.citizenCard("", "moica-wang")));
}

TEST_P(RateLimitTest, OneCertificateTriedOnManyFlowsStopsAtItsLimit)
{
    // moica-wang is no operator: every try is refused, and the fifth is not even checked.
    for (int i = 0; i < 4; ++i) {
        auto flow = startFlow("operator-login");
        EXPECT_TRUE(refused(flow.citizenCard("", "moica-wang"), 403, "NOT_REGISTERED_CARD")) << i;
    }
    auto fifth = startFlow("operator-login");
    EXPECT_TRUE(limited(fifth.citizenCard("", "moica-wang")));
}

TEST_P(RateLimitTest, StaffLoginsPerClientAreLimited)
{
    for (int i = 0; i < 2; ++i) {
        auto flow = startFlow("staff-login");
        EXPECT_TRUE(answered(flow.citizenCard("", "moica-lee"))) << i;
    }
    auto third = startFlow("staff-login");
    EXPECT_TRUE(limited(third.citizenCard("", "moica-lee")));
}

TEST_P(RateLimitTest, AFloodOfIdenticalRefusalsWritesABoundedNumberOfAuditRows)
{
    auto flow = startFlow("query-serial");
    for (int i = 0; i < 25; ++i) {
        auto answer = flow.request("POST", "/challenge", R"({"purpose":"citizen"})", false);
        ASSERT_TRUE(refused(answer, 403, "CSRF_INVALID")) << i;
    }
    // The first, the 10th and the 20th are written; the later ones say how many came so far.
    const std::string where = "FROM audit_events WHERE action = 'flow.challenge' AND error_code = "
                              "'CSRF_INVALID'";
    EXPECT_EQ(count(where), 3);
    EXPECT_EQ(count(where + " AND details LIKE '%\"repeatsThisMinute\":10%'"), 1);
    EXPECT_EQ(count(where + " AND details LIKE '%\"repeatsThisMinute\":20%'"), 1);
    auto verify = server().cli({ "audit", "verify" });
    EXPECT_EQ(verify.exitCode, 0) << verify.output;
}

} // namespace

CERTGATE_SERVER_ON_ALL_BACKENDS(RateLimitTest);
