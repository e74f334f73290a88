// Logs ops can search (issue 16 item 5): every request gets an id, taken from X-Request-Id only
// when a trusted proxy sent it; the id is in the response header, the error body, the log lines
// and the audit events the request caused; logging.format "json" writes one JSON object per line.
#include "PortalTestSupport.hpp"

#include <Poco/JSON/Parser.h>

namespace certgate::test {
namespace {

class RequestIdTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        if (trustLoopback_) {
            Poco::JSON::Array::Ptr proxies = new Poco::JSON::Array;
            proxies->add("127.0.0.1");
            setConfigValue(config, "server", "trustedProxies", proxies);
        }
        if (json_)
            setConfigValue(config, "logging", "format", std::string("json"));
    }

    /// A request the server refuses and audits (an unknown flow type).
    HttpResponse refusedStart(const std::map<std::string, std::string>& headers = {})
    {
        return httpRequest(
            "POST", server_->url() + "/api/v1/flows", R"({"type":"no-such-flow"})", headers);
    }

    bool trustLoopback_ = false;
    bool json_ = false;
};

TEST_P(RequestIdTest, ARefusalCarriesOneIdInItsHeaderBodyLogLineAndAuditEvent)
{
    auto response = refusedStart({ { "X-Request-Id", "forged-by-the-client" } });
    ASSERT_TRUE(refused(response, 422, "INVALID_INPUT"));
    auto id = response.header("x-request-id");
    ASSERT_FALSE(id.empty());
    EXPECT_NE(id, "forged-by-the-client") << "only a trusted proxy names the request";
    EXPECT_EQ(text(body(response), "requestId"), id);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'http.POST /api/v1/flows' AND details LIKE "
                    "'%\"requestId\":\""
                  + id + "\"%'"),
        1);
    // The access log line names it (the line is written after the answer).
    for (int i = 0; i < 50 && server_->output().find("[" + id + "]") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_NE(server_->output().find("POST /api/v1/flows 422 INVALID_INPUT"), std::string::npos);
    EXPECT_NE(server_->output().find("[" + id + "]"), std::string::npos) << server_->output();

    // Successes get one too, a different one per request.
    auto first = httpRequest("GET", server_->url() + "/api/v1/health");
    auto second = httpRequest("GET", server_->url() + "/api/v1/health");
    EXPECT_FALSE(first.header("x-request-id").empty());
    EXPECT_NE(first.header("x-request-id"), second.header("x-request-id"));
}

class RequestIdBehindProxyTest : public RequestIdTest {
protected:
    RequestIdBehindProxyTest()
    {
        trustLoopback_ = true;
        json_ = true;
    }
};

TEST_P(RequestIdBehindProxyTest, TheProxysIdIsUsedAndJsonLogLinesCarryIt)
{
    auto response = refusedStart({ { "X-Request-Id", "nginx-0123456789abcdef" } });
    ASSERT_TRUE(refused(response, 422, "INVALID_INPUT"));
    EXPECT_EQ(response.header("x-request-id"), "nginx-0123456789abcdef");
    EXPECT_EQ(text(body(response), "requestId"), "nginx-0123456789abcdef");
    EXPECT_EQ(count("FROM audit_events WHERE details LIKE '%nginx-0123456789abcdef%'"), 1);
    // A header a proxy could not have meant (spaces, quotes) is replaced.
    auto odd = refusedStart({ { "X-Request-Id", "a\"b c" } });
    EXPECT_NE(odd.header("x-request-id"), "a\"b c");
    EXPECT_FALSE(odd.header("x-request-id").empty());

    bool found = false;
    for (int i = 0; i < 50 && !found; ++i) {
        std::istringstream lines(server_->output());
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line.front() != '{')
                continue; // the program's own stdout lines ("certgate: listening on ...")
            Poco::JSON::Parser parser;
            auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
            EXPECT_TRUE(object->has("time") && object->has("level") && object->has("logger")
                && object->has("message"))
                << line;
            if (object->optValue<std::string>("requestId", "") == "nginx-0123456789abcdef"
                && object->getValue<std::string>("logger") == "certgate.http")
                found = true;
        }
        if (!found)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(found) << server_->output();
}

CERTGATE_SERVER_ON_BOTH_BACKENDS(RequestIdTest);
INSTANTIATE_TEST_SUITE_P(Sqlite, RequestIdBehindProxyTest,
    ::testing::Values(::certgate::test::Backend::Sqlite), ServerBackendName {});

} // namespace
} // namespace certgate::test
