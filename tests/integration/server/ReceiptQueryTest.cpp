// The receipts query of the manual's §七 (ReceiptQuery.cpp; SPEC §3.4): anyone may ask for an
// agency's receipts by its code and sees agency, time, item and status but no personal data;
// the query is rate-limited per client, the client being the one a trusted proxy names.
#include "PortalTestSupport.hpp"

#include <Poco/JSON/Array.h>

#include <map>
#include <regex>
#include <thread>

namespace certgate::test {
namespace {

class ReceiptQueryTest : public PortalTest { };

TEST_P(ReceiptQueryTest, TheReceiptsQueryShowsAgencyTimeItemAndStatusButNoPersonalData)
{
    auto flow = registerAgency("A0001", "gca-moi", "moica-wang");
    auto number = text(object(object(flow.last(), "flow"), "receipt"), "number");

    auto response = httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=A0001");

    ASSERT_TRUE(answered(response));
    auto json = body(response);
    EXPECT_EQ(text(json, "agencyCode"), "A0001");
    EXPECT_EQ(text(json, "agencyName"), "內政部");
    auto receipts = array(json, "receipts");
    ASSERT_EQ(receipts->size(), 1u) << response.body;
    auto receipt = receipts->getObject(0);
    EXPECT_EQ(text(receipt, "number"), number);
    EXPECT_EQ(text(receipt, "kind"), "first-registration");
    EXPECT_EQ(text(receipt, "status"), "done");
    EXPECT_TRUE(std::regex_match(text(receipt, "receivedAt"),
        std::regex(R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}.*)")))
        << text(receipt, "receivedAt");
    for (const auto& personal : { card("moica-wang").nationalId, std::string("5781"),
             card("moica-wang").personName, std::string("wang@moi.gov.tw"),
             std::string("02-2356-5000"), card("moica-wang").serial })
        EXPECT_EQ(response.body.find(personal), std::string::npos)
            << "receipts show " << personal << ": " << response.body;

    // An agency without receipts answers an empty list; a bad code is refused.
    auto none = httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=b0001");
    ASSERT_TRUE(answered(none));
    EXPECT_EQ(text(body(none), "agencyCode"), "B0001");
    EXPECT_EQ(array(body(none), "receipts")->size(), 0u);
    EXPECT_TRUE(refused(httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=A00001"),
        422, "AGENCY_CODE_FORMAT", "agencyCode"));
    EXPECT_TRUE(refused(httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=Z9999"),
        404, "AGENCY_UNKNOWN", "agencyCode"));
}

TEST_P(ReceiptQueryTest, MoreReceiptQueriesThanTheLimitInAMinuteAreRateLimited)
{
    // Stay inside one fixed window (a minute of the server's clock).
    auto second = unixNow() % 60;
    if (second > 50)
        std::this_thread::sleep_for(std::chrono::seconds(61 - second));
    const auto url = server_->url() + "/api/v1/receipts?agencyCode=A0001";
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(answered(httpRequest("GET", url))) << "query " << i + 1;

    EXPECT_TRUE(refused(httpRequest("GET", url), 429, "RATE_LIMITED"));
    EXPECT_TRUE(refused(httpRequest("GET", server_->url() + "/api/v1/receipts?agencyCode=B0001"),
        429, "RATE_LIMITED"));
    // No reverse proxy is trusted: a client cannot choose its own address.
    EXPECT_TRUE(refused(httpRequest("GET", url, {}, { { "X-Forwarded-For", "203.0.113.9" } }), 429,
        "RATE_LIMITED"));

    // The next window starts afresh.
    setClockOffset(60);
    EXPECT_TRUE(answered(httpRequest("GET", url)));
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ReceiptQueryTest);

/// The server behind a trusted reverse proxy (here: loopback) keys the limit on the client
/// the proxy names last in X-Forwarded-For.
class ReceiptQueryBehindProxyTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        Poco::JSON::Array::Ptr proxies = new Poco::JSON::Array;
        proxies->add("127.0.0.1");
        config->getObject("server")->set("trustedProxies", proxies);
    }
};

TEST_P(ReceiptQueryBehindProxyTest, EachClientTheProxyNamesHasItsOwnReceiptQueryLimit)
{
    auto second = unixNow() % 60;
    if (second > 50)
        std::this_thread::sleep_for(std::chrono::seconds(61 - second));
    const auto url = server_->url() + "/api/v1/receipts?agencyCode=A0001";
    auto from = [](const std::string& client) {
        // The first entry is what the client claimed; the proxy appended the real one.
        return std::map<std::string, std::string> { { "X-Forwarded-For",
            "198.51.100.1, " + client } };
    };
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(answered(httpRequest("GET", url, {}, from("203.0.113.1")))) << i + 1;
    EXPECT_TRUE(refused(httpRequest("GET", url, {}, from("203.0.113.1")), 429, "RATE_LIMITED"));
    EXPECT_TRUE(answered(httpRequest("GET", url, {}, from("203.0.113.2"))));
}

CERTGATE_SERVER_ON_ALL_BACKENDS(ReceiptQueryBehindProxyTest);

} // namespace
} // namespace certgate::test
