// GET /metrics (issue 16 item 2): the Prometheus text format on its own listener, never on the
// public one, for allow-listed addresses only; `promtool check metrics` accepts it; and the
// counters move when a card login succeeds and when one is refused.
#include "PortalTestSupport.hpp"

#include <certgate/test/CardSigner.hpp>
#include <certgate/test/ChildProcess.hpp>

#include <regex>

namespace certgate::test {
namespace {

/// The value of one sample line (`name{labels} value`), or -1 when the scrape has none.
double sampleValue(const std::string& scrape, const std::string& series)
{
    std::istringstream lines(scrape);
    for (std::string line; std::getline(lines, line);)
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0
            && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    return -1;
}

class MetricsTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        setConfigValue(config, "metrics", "listen", std::string("127.0.0.1:0"));
        if (!allow_.empty()) {
            Poco::JSON::Array::Ptr allow = new Poco::JSON::Array;
            for (const auto& address : allow_)
                allow->add(address);
            setConfigValue(config, "metrics", "allow", allow);
        }
    }

    std::string metricsUrl()
    {
        std::smatch match;
        auto output = server_->output();
        if (!std::regex_search(output, match, std::regex(R"(metrics on (\S+))")))
            throw std::runtime_error("the server printed no metrics URL:\n" + output);
        return match[1];
    }

    std::string scrape()
    {
        auto response = httpRequest("GET", metricsUrl());
        EXPECT_EQ(response.status, 200) << response.body;
        return response.body;
    }

    std::vector<std::string> allow_;
};

TEST_P(MetricsTest, TheScrapeIsValidPrometheusTextOnItsOwnListenerOnly)
{
    // A request first, so that the request families have a series.
    require(httpRequest("GET", server_->url() + "/api/v1/health"), 200, "health");
    auto response = httpRequest("GET", metricsUrl());
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    auto checked = run("promtool", { "check", "metrics" }, {}, response.body);
    EXPECT_EQ(checked.exitCode, 0) << checked.output << "\n" << response.body;

    for (const char* family : { "certgate_http_requests_total", "certgate_build_info",
             "certgate_plugin_info", "certgate_connections_total", "certgate_connections_open",
             "certgate_db_pool_connections", "certgate_db_pool_connections_in_use",
             "certgate_audit_chain_length", "certgate_audit_last_append_timestamp_seconds",
             "certgate_ca_profile_accepts_cards", "certgate_http_request_duration_seconds" })
        EXPECT_NE(response.body.find(std::string("# TYPE ") + family + " "), std::string::npos)
            << family;
    EXPECT_EQ(
        sampleValue(response.body,
            R"(certgate_http_requests_total{method="GET",route="/api/v1/health",status="200"})"),
        1);
    EXPECT_EQ(sampleValue(response.body,
                  R"(certgate_plugin_info{ca="moica",plugin_api="1",)"
                  R"(library=")"
                      + binaryDir() + "/lib/certgate/plugins/certgate-ca-moica.so\"}"),
        1)
        << response.body;
    EXPECT_EQ(sampleValue(response.body, "certgate_audit_chain_length"),
        std::stod(sql("SELECT MAX(seq) FROM audit_events")));

    // Not on the public listener; only GET /metrics on the metrics one.
    EXPECT_EQ(httpRequest("GET", server_->url() + "/metrics").status, 404);
    auto base = metricsUrl().substr(0, metricsUrl().size() - std::string("/metrics").size());
    EXPECT_EQ(httpRequest("GET", base + "/api/v1/health").status, 404);
    EXPECT_EQ(httpRequest("POST", metricsUrl(), "{}").status, 404);
}

TEST_P(MetricsTest, CountersMoveWhenALoginSucceedsAndWhenOneIsRefused)
{
    const std::string ok = R"(certgate_card_verifications_total{ca="moica",result="OK"})";
    const std::string badSignature
        = R"(certgate_card_verifications_total{ca="moica",result="SIGNATURE_INVALID"})";
    const std::string revoked
        = R"(certgate_card_verifications_total{ca="moica",result="CERT_REVOKED"})";
    const std::string route = R"(route="/api/v1/flows/{flowId}/citizen-card")";
    auto before = scrape();

    auto login = startFlow("query-serial");
    require(login.citizenCard(card("moica-huang").nationalId, "moica-huang"), 200, "card login");
    auto first = scrape();
    EXPECT_EQ(sampleValue(first, ok), std::max(0.0, sampleValue(before, ok)) + 1);
    EXPECT_EQ(sampleValue(first, R"(certgate_nonces_total{event="issued"})"),
        std::max(0.0, sampleValue(before, R"(certgate_nonces_total{event="issued"})")) + 1);
    EXPECT_EQ(sampleValue(first, R"(certgate_nonces_total{event="consumed"})"),
        std::max(0.0, sampleValue(before, R"(certgate_nonces_total{event="consumed"})")) + 1);
    EXPECT_EQ(sampleValue(first,
                  R"(certgate_http_requests_total{method="POST",)" + route + R"(,status="200"})"),
        1);
    EXPECT_GE(
        sampleValue(first, R"(certgate_http_request_duration_seconds_count{)" + route + "}"), 1);
    EXPECT_GE(
        sampleValue(first, R"(certgate_revocation_cache_age_seconds{ca="moica",method="crl"})"), 0);

    // Signed for another origin; a revoked card; a nonce presented twice.
    auto refusedLogin = startFlow("query-serial");
    auto nonce = refusedLogin.challenge("citizen");
    Json fields = new Poco::JSON::Object;
    fields->set("nationalId", card("moica-huang").nationalId);
    require(refusedLogin.cardStep("citizen-card", fields, nonce,
                signToken(card("moica-huang"), "https://elsewhere.example", nonce)),
        403, "signed for another origin");
    require(refusedLogin.cardStep("citizen-card", fields, nonce,
                signToken(card("moica-huang"), server_->origin(), nonce)),
        400, "nonce replayed");
    auto revokedLogin = startFlow("query-serial");
    require(revokedLogin.citizenCard(card("moica-revoked").nationalId, "moica-revoked"), 403,
        "revoked card");
    auto second = scrape();
    EXPECT_EQ(sampleValue(second, ok), sampleValue(first, ok)) << "no new success";
    EXPECT_EQ(
        sampleValue(second, badSignature), std::max(0.0, sampleValue(first, badSignature)) + 1);
    EXPECT_EQ(sampleValue(second, revoked), std::max(0.0, sampleValue(first, revoked)) + 1);
    EXPECT_EQ(sampleValue(second, R"(certgate_nonces_total{event="replayed"})"),
        std::max(0.0, sampleValue(first, R"(certgate_nonces_total{event="replayed"})")) + 1);
    EXPECT_EQ(sampleValue(second,
                  R"(certgate_http_requests_total{method="POST",)" + route + R"(,status="403"})"),
        2);
    EXPECT_GT(sampleValue(second, "certgate_audit_chain_length"),
        sampleValue(first, "certgate_audit_chain_length"));
    auto checked = run("promtool", { "check", "metrics" }, {}, second);
    EXPECT_EQ(checked.exitCode, 0) << checked.output;
}

class MetricsAllowListTest : public MetricsTest {
protected:
    MetricsAllowListTest() { allow_ = { "192.0.2.1" }; }
};

TEST_P(MetricsAllowListTest, AnAddressOutsideTheAllowListIsRefused)
{
    auto response = httpRequest("GET", metricsUrl());
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.body.find("certgate_"), std::string::npos);
}

CERTGATE_SERVER_ON_BOTH_BACKENDS(MetricsTest);
INSTANTIATE_TEST_SUITE_P(Sqlite, MetricsAllowListTest,
    ::testing::Values(::certgate::test::Backend::Sqlite), ServerBackendName {});

} // namespace
} // namespace certgate::test
