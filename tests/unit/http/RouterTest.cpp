// Routing by path template: literal segments, parameters checked by their shape, 405 for a
// known path with another method, and the matched template as the request's route label.
#include "Router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace certgate::http {
namespace {

struct Routed {
    bool matched = false;
    int status = 0;
    std::string handler;
    std::vector<std::string> params;
    std::string route;
};

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        for (auto [method, path] : std::vector<std::pair<std::string, std::string>> {
                 { "GET", "/api/v1/flows/{flowId}" }, { "POST", "/api/v1/flows" },
                 { "PUT", "/api/v1/flows/{flowId}/operators/{operatorId}" },
                 { "GET", "/admin/api/v1/agencies/{agencyCode}/receipts" } })
            router_.add(method, path,
                [method, path](Context& ctx) { ctx.send(200, "text/plain", method + " " + path); });
    }

    Routed route(const std::string& method, const std::string& target)
    {
        net::Request request;
        request.method = method;
        request.target = target;
        net::Response response;
        Context ctx(request, response);
        Routed routed;
        routed.matched = router_.dispatch(ctx);
        routed.status = response.status;
        routed.handler = response.body;
        routed.params = ctx.params;
        routed.route = ctx.route;
        return routed;
    }

    Router router_;
};

const std::string kFlow = "0123456789abcdef0123456789abcdef";

TEST_F(RouterTest, ParametersAreCapturedInOrderAndTheTemplateIsTheRoute)
{
    auto routed = route("PUT", "/api/v1/flows/" + kFlow + "/operators/" + kFlow);
    ASSERT_TRUE(routed.matched);
    EXPECT_EQ(routed.handler, "PUT /api/v1/flows/{flowId}/operators/{operatorId}");
    EXPECT_EQ(routed.params, (std::vector<std::string> { kFlow, kFlow }));
    EXPECT_EQ(routed.route, "/api/v1/flows/{flowId}/operators/{operatorId}");

    auto agency = route("GET", "/admin/api/v1/agencies/A0001/receipts?limit=5");
    ASSERT_TRUE(agency.matched);
    EXPECT_EQ(agency.params, (std::vector<std::string> { "A0001" }));
}

TEST_F(RouterTest, AParameterOfTheWrongShapeMatchesNoRoute)
{
    EXPECT_FALSE(route("GET", "/api/v1/flows/" + kFlow.substr(1)).matched); // 31 digits
    EXPECT_FALSE(route("GET", "/api/v1/flows/0123456789ABCDEF0123456789ABCDEF").matched);
    EXPECT_FALSE(route("GET", "/api/v1/flows/" + kFlow + "/").matched); // trailing slash
    EXPECT_FALSE(route("GET", "/admin/api/v1/agencies/A-1/receipts").matched);
    EXPECT_FALSE(
        route("GET", "/admin/api/v1/agencies/" + std::string(21, 'A') + "/receipts").matched);
    EXPECT_FALSE(route("GET", "/api/v1/flows/x/../" + kFlow).matched);
    EXPECT_FALSE(route("GET", "").matched);
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIsAnswered405)
{
    auto routed = route("DELETE", "/api/v1/flows");
    EXPECT_TRUE(routed.matched);
    EXPECT_EQ(routed.status, 405);
    EXPECT_NE(routed.handler.find("METHOD_NOT_ALLOWED"), std::string::npos);
    EXPECT_TRUE(routed.route.empty());
}

TEST_F(RouterTest, EncodedSegmentsAreDecodedBeforeMatching)
{
    auto routed = route("GET", "/admin/api/v1/agencies/%41%30001/receipts");
    ASSERT_TRUE(routed.matched);
    EXPECT_EQ(routed.params, (std::vector<std::string> { "A0001" }));
}

TEST_F(RouterTest, TheRoutesAreListedAsRegisteredAndUnknownParametersAreRefused)
{
    auto routes = router_.routes();
    ASSERT_EQ(routes.size(), 4u);
    EXPECT_EQ(routes[2].method, "PUT");
    EXPECT_EQ(routes[2].pathTemplate, "/api/v1/flows/{flowId}/operators/{operatorId}");
    EXPECT_THROW(
        router_.add("GET", "/api/v1/things/{thingId}", [](Context&) {}), std::invalid_argument);
}

} // namespace
} // namespace certgate::http
