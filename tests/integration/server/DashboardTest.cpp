// The admin dashboard's numbers (issue 16 item 4), GET /admin/api/v1/dashboard, over real HTTP:
// cards judged on two `certgate serve` instances of one database add up on either, accepted per
// CA and refused per error code; staff only. (The page that draws them: e2e.dashboard.)
#include "PortalTestSupport.hpp"

#include <chrono>
#include <thread>

namespace certgate::test {
namespace {

class DashboardTest : public PortalTest {
protected:
    void SetUp() override
    {
        PortalTest::SetUp();
        second_ = std::make_unique<ServerInstance>(database_, options());
        second_->start();
    }

    /// A citizen card judged in a query-serial flow, on `onSecond` or on the first instance.
    void querySerial(const std::string& cardName, bool onSecond, int status)
    {
        auto flow = startFlow("query-serial");
        if (onSecond)
            flow = resume(flow, *second_);
        auto answer = flow.citizenCard(card(cardName).nationalId, cardName);
        ASSERT_EQ(answer.status, status) << cardName << ": " << answer.body;
    }

    static Json window(const Json& dashboard, const char* name)
    {
        return dashboard->getObject(name);
    }

    static std::int64_t total(
        const Json& window, const char* list, const char* key, const std::string& value)
    {
        const auto series = array(window, list);
        for (std::size_t i = 0; i < series->size(); ++i) {
            auto s = series->getObject(static_cast<unsigned>(i));
            if (s->getValue<std::string>(key) == value)
                return s->getValue<std::int64_t>("total");
        }
        return 0;
    }

    std::unique_ptr<ServerInstance> second_;
};

TEST_P(DashboardTest, CardsJudgedOnEitherInstanceAddUpPerCaAndErrorCode)
{
    querySerial("moica-wang", false, 200);
    querySerial("moica-revoked", false, 403);
    querySerial("moica-wang", true, 200);
    querySerial("moica-revoked", true, 403);
    querySerial("moica-expired", true, 403);
    auto staff = staffSession(); // moica-lee, accepted on the first instance

    // The second instance adds its counts every 5 s; the first adds its own before answering.
    Json hour;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
        auto answer = staff.get("/dashboard");
        ASSERT_EQ(answer.status, 200) << answer.body;
        hour = window(body(answer), "hour");
        if (hour->getValue<std::int64_t>("refused") == 3)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } while (std::chrono::steady_clock::now() < deadline);

    EXPECT_EQ(hour->getValue<std::int64_t>("accepted"), 3);
    EXPECT_EQ(hour->getValue<std::int64_t>("refused"), 3);
    EXPECT_EQ(total(hour, "acceptedByCa", "ca", "moica"), 3);
    EXPECT_EQ(total(hour, "refusedByResult", "result", "CERT_REVOKED"), 2);
    EXPECT_EQ(total(hour, "refusedByResult", "result", "CERT_EXPIRED"), 1);
    EXPECT_EQ(array(hour, "buckets")->size(), 60u);
    EXPECT_EQ(hour->getValue<int>("bucketSeconds"), 60);
    // The first refusal listed is the most frequent, with the catalogue's words.
    auto first = array(hour, "refusedByResult")->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("result"), "CERT_REVOKED");
    EXPECT_NE(first->getValue<std::string>("message").find("廢止"), std::string::npos);
    // The day holds the same cards; both instances' rows are in the one table.
    auto dashboard = body(staff.get("/dashboard"));
    EXPECT_EQ(window(dashboard, "day")->getValue<std::int64_t>("accepted"), 3);
    EXPECT_EQ(std::stoll(sql("SELECT SUM(hits) FROM card_statistics")), 6);
    EXPECT_EQ(dashboard->getValue<std::int64_t>("pendingReviews"), 0);
    EXPECT_EQ(array(dashboard, "caProfiles")->size(), 5u);
}

TEST_P(DashboardTest, IsForStaffOnly)
{
    auto anonymous = httpRequest("GET", server().url() + "/admin/api/v1/dashboard");
    EXPECT_TRUE(refused(anonymous, 401, "SESSION_INVALID")) << anonymous.body;
}

CERTGATE_SERVER_ON_ALL_BACKENDS(DashboardTest);

} // namespace
} // namespace certgate::test
