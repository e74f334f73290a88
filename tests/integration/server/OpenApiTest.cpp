// The OpenAPI document (web/openapi.json, issue 16 item 3) and the server agree: every route
// the router registers is documented and every documented operation is registered; the error
// code enum is the catalogue; the server serves the document; and the real responses of a walk
// through every function (successes and refusals) match their schemas (Ajv, validate.mjs).
#include "PortalTestSupport.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/Services.hpp>
#include <certgate/core/ErrorCode.hpp>
#include <certgate/http/HttpServer.hpp>
#include <certgate/test/ChildProcess.hpp>

#include <Poco/JSON/Parser.h>

#include <fstream>
#include <set>

namespace certgate::test {
namespace {

Json openApi()
{
    std::ifstream in(sourceDir() + "/web/openapi.json");
    std::stringstream text;
    text << in.rdbuf();
    Poco::JSON::Parser parser;
    return parser.parse(text.str()).extract<Json>();
}

/// How many operations (method and path) the document describes.
std::size_t documentedOperations()
{
    std::size_t count = 0;
    const auto paths = openApi()->getObject("paths");
    for (const auto& [path, item] : *paths)
        for (const auto& [key, operation] : *item.extract<Json>())
            if (key != "parameters") // path-level parameters are no operation
                ++count;
    return count;
}

std::string upper(std::string text)
{
    for (auto& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

class OpenApiTest : public PortalTest {
protected:
    /// One response for validate.mjs, under the route template the document names.
    void record(const std::string& method, const std::string& route, const HttpResponse& response)
    {
        Json entry = new Poco::JSON::Object;
        entry->set("method", method);
        entry->set("route", route);
        entry->set("status", response.status);
        if (response.body.empty()) {
            entry->set("body", "");
        } else {
            Poco::JSON::Parser parser;
            entry->set("body", parser.parse(response.body));
        }
        recorded_->add(entry);
    }

    Poco::JSON::Array::Ptr recorded_ = new Poco::JSON::Array;
};

TEST_P(OpenApiTest, EveryRegisteredRouteIsDocumentedAndEveryDocumentedOneRegistered)
{
    auto config = app::loadConfig(server_->configFile());
    app::Services services(config);
    http::ServerOptions options;
    options.webRoot = config.webRoot;
    http::HttpServer router(
        options, services.portal(), services.admin(), services.trust().plugins());
    std::set<std::string> registered;
    for (const auto& [method, path] : router.routes())
        registered.insert(method + " " + path);

    std::set<std::string> documented;
    auto paths = openApi()->getObject("paths");
    for (const auto& [path, item] : *paths)
        for (const auto& [method, operation] : *item.extract<Json>())
            if (method != "parameters")
                documented.insert(upper(method) + " " + path);
    EXPECT_EQ(registered, documented);
    EXPECT_GE(registered.size(), 30u);
}

TEST_P(OpenApiTest, TheErrorEnumIsTheCatalogueAndTheServerServesTheDocument)
{
    std::set<std::string> catalogue { "METHOD_NOT_ALLOWED" };
    for (int i = 0; i <= static_cast<int>(core::ErrorCode::InternalError); ++i)
        catalogue.insert(std::string(core::toString(static_cast<core::ErrorCode>(i))));
    auto error = openApi()->getObject("components")->getObject("schemas")->getObject("Error");
    auto values = error->getObject("properties")->getObject("error")->getArray("enum");
    std::set<std::string> documented;
    for (const auto& value : *values)
        documented.insert(value.toString());
    EXPECT_EQ(documented, catalogue);

    auto served = httpRequest("GET", server_->url() + "/api/v1/openapi.json");
    ASSERT_EQ(served.status, 200);
    std::ifstream in(sourceDir() + "/web/openapi.json");
    std::stringstream file;
    file << in.rdbuf();
    EXPECT_EQ(served.body, file.str());
}

TEST_P(OpenApiTest, RealResponsesOfEveryFunctionMatchTheirSchemas)
{
    const std::string url = server_->url();
    const std::string flowPath = "/api/v1/flows/{flowId}";
    record("GET", "/api/v1/config", httpRequest("GET", url + "/api/v1/config"));
    record("GET", "/api/v1/health", httpRequest("GET", url + "/api/v1/health"));
    record("GET", "/api/v1/openapi.json", httpRequest("GET", url + "/api/v1/openapi.json"));

    // §四 first registration, step by step.
    FlowClient registration = client();
    record("POST", "/api/v1/flows", registration.start("first-registration"));
    record("GET", flowPath, registration.get());
    record("POST", flowPath + "/terms", registration.acceptTerms());
    record("POST", flowPath + "/challenge",
        registration.request("POST", "/challenge", R"({"purpose":"organisation"})"));
    record(
        "POST", flowPath + "/organisation-card", registration.organisationCard("A0001", "gca-moi"));
    record("POST", flowPath + "/manager-card",
        registration.managerCard(card("moica-wang").nationalId, "moica-wang"));
    record("POST", flowPath + "/confirm",
        registration.confirm("王大明", "wang@moi.gov.tw", "02-2356-5000", "12"));
    record(
        "GET", "/api/v1/receipts", httpRequest("GET", url + "/api/v1/receipts?agencyCode=A0001"));

    // §五 operators.
    auto authorisation = authorise("A0001", "gca-moi", "moica-wang");
    auto added = authorisation.addOperator(
        card("moica-chen").serial, "陳小華", card("moica-chen").nationalId, { "enrolment" });
    record("POST", flowPath + "/operators", added);
    auto operatorId = text(array(object(body(added), "flow"), "operators")->getObject(0), "id");
    record("PUT", flowPath + "/operators/{operatorId}",
        authorisation.updateOperator(operatorId, card("moica-chen").serial, "陳小華",
            card("moica-chen").nationalId, { "enrolment", "withdrawal" }));
    record(
        "DELETE", flowPath + "/operators/{operatorId}", authorisation.deleteOperator(operatorId));

    // §七 queries and a review application after an identifier mismatch.
    auto serial = startFlow("query-serial");
    record("POST", flowPath + "/citizen-card",
        serial.citizenCard(card("moica-lin").nationalId, "moica-lin"));
    auto mismatch = startFlow("first-registration");
    require(mismatch.acceptTerms(), 200, "terms");
    record("POST", flowPath + "/organisation-card", mismatch.organisationCard("E0001", "gca-mofa"));
    record("POST", flowPath + "/review-application",
        mismatch.reviewApplication("林小美", "02-2356-5001"));

    // Ops staff.
    auto staffFlow = startFlow("staff-login");
    require(staffFlow.citizenCard(card("moica-lee").nationalId, "moica-lee"), 200, "staff card");
    auto session = staffFlow.request("POST", "/staff-session", "{}");
    record("POST", flowPath + "/staff-session", session);
    auto cookie = setCookie(session, "cg_staff");
    AdminSession admin(
        url, cookie.substr(9, cookie.find(';') - 9), text(body(session), "csrfToken"));
    const std::string a = "/admin/api/v1";
    for (const auto& [path, route] : std::vector<std::pair<std::string, std::string>> {
             { "/me", "/me" }, { "/reviews", "/reviews" }, { "/agencies?q=A", "/agencies" },
             { "/registrations", "/registrations" },
             { "/agencies/A0001/registration", "/agencies/{agencyCode}/registration" },
             { "/agencies/A0001/operators", "/agencies/{agencyCode}/operators" },
             { "/agencies/A0001/receipts", "/agencies/{agencyCode}/receipts" },
             { "/audit?limit=5", "/audit" }, { "/audit/verify", "/audit/verify" },
             { "/plugins", "/plugins" }, { "/health", "/health" }, { "/staff", "/staff" },
             { "/dashboard", "/dashboard" } })
        record("GET", a + route, admin.get(path));
    auto reviews = body(admin.get("/reviews?status=pending"));
    auto reviewId = text(array(reviews, "reviews")->getObject(0), "id");
    record("GET", a + "/reviews/{reviewId}", admin.get("/reviews/" + reviewId));
    record("POST", a + "/reviews/{reviewId}/decision",
        admin.post("/reviews/" + reviewId + "/decision", R"({"decision":"reject","note":"測試"})"));
    record("POST", a + "/ca/reload", admin.post("/ca/reload", "{}"));
    record("POST", a + "/agencies/import",
        httpRequest("POST", url + a + "/agencies/import",
            readTextFile(sourceDir() + "/conf/demo/agencies.csv"),
            { { "Cookie", "cg_staff=" + admin.cookie() }, { "X-CSRF-Token", admin.csrf() },
                { "Content-Type", "text/csv" } }));
    auto staff = admin.post("/staff",
        R"({"name":"吳小姐","issuer":"C=TW, O=test","serial":"0A0B0C","role":"reviewer"})");
    record("POST", a + "/staff", staff);
    record("POST", a + "/staff/{staffId}/disable",
        admin.post("/staff/" + text(object(body(staff), "staff"), "id") + "/disable", "{}"));
    record("POST", a + "/logout", admin.post("/logout", "{}"));

    // Refusals: the Error body.
    record("POST", "/api/v1/flows",
        httpRequest("POST", url + "/api/v1/flows", R"({"type":"no-such-flow"})"));
    record("GET", flowPath, httpRequest("GET", url + "/api/v1/flows/" + std::string(32, 'a')));
    record("GET", a + "/me", httpRequest("GET", url + a + "/me"));
    record("GET", "/api/v1/receipts", httpRequest("GET", url + "/api/v1/receipts?agencyCode=%"));

    TempDir dir("openapi");
    std::ostringstream all;
    recorded_->stringify(all);
    writeTextFile(dir.file("responses.json"), all.str());
    auto checked = run("node",
        { sourceDir() + "/tests/openapi/validate.mjs", sourceDir() + "/web/openapi.json",
            dir.file("responses.json") },
        { { "CERTGATE_OPENAPI_NODE_MODULES", binaryDir() + "/openapi-node/node_modules" } });
    EXPECT_EQ(checked.exitCode, 0) << checked.output;
    // Every documented operation was answered at least once, and each with success at least
    // once (the refusals come on top).
    const auto operations = documentedOperations();
    EXPECT_NE(checked.output.find("on " + std::to_string(operations) + " operations, 0 failures"),
        std::string::npos)
        << checked.output;
    std::set<std::string> succeeded;
    for (std::size_t i = 0; i < recorded_->size(); ++i) {
        auto entry = recorded_->getObject(static_cast<unsigned>(i));
        if (entry->getValue<int>("status") < 300)
            succeeded.insert(entry->getValue<std::string>("method") + " "
                + entry->getValue<std::string>("route"));
    }
    std::string answered;
    for (const auto& operation : succeeded)
        answered += operation + "\n";
    EXPECT_EQ(succeeded.size(), operations) << answered;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, OpenApiTest, ::testing::Values(::certgate::test::Backend::Sqlite),
    ServerBackendName {});

} // namespace
} // namespace certgate::test
