#include <certgate/test/CardSigner.hpp>
#include <certgate/test/FlowClient.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>

namespace certgate::test {

Poco::JSON::Object::Ptr parseJsonObject(const std::string& text)
{
    if (text.empty())
        return new Poco::JSON::Object;
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string errorCode(const HttpResponse& response)
{
    try {
        auto body = parseJsonObject(response.body);
        return body->has("error") ? body->getValue<std::string>("error") : std::string {};
    } catch (...) {
        return {};
    }
}

namespace {
std::string stringify(const Poco::JSON::Object::Ptr& object)
{
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}
} // namespace

FlowClient::FlowClient(std::string baseUrl, std::string origin)
    : base_(std::move(baseUrl))
    , origin_(std::move(origin))
    , last_(new Poco::JSON::Object)
{
}

HttpResponse FlowClient::remember(HttpResponse response)
{
    try {
        last_ = parseJsonObject(response.body);
    } catch (...) {
        last_ = new Poco::JSON::Object;
    }
    if (last_->has("csrfToken"))
        csrf_ = last_->getValue<std::string>("csrfToken");
    if (flowId_.empty() && last_->has("flow"))
        flowId_ = last_->getObject("flow")->getValue<std::string>("id");
    for (auto [it, end] = response.headers.equal_range("set-cookie"); it != end; ++it) {
        const auto& cookie = it->second;
        if (cookie.rfind("cg_flow=", 0) == 0)
            cookie_ = cookie.substr(8, cookie.find(';') - 8);
    }
    return response;
}

std::string FlowClient::step() const
{
    if (!last_->has("flow"))
        return {};
    return last_->getObject("flow")->getValue<std::string>("step");
}

HttpResponse FlowClient::request(const std::string& method, const std::string& path,
    const std::string& body, bool withCsrf, bool withCookie)
{
    std::map<std::string, std::string> headers { { "Content-Type", "application/json" } };
    if (withCsrf && !csrf_.empty())
        headers["X-CSRF-Token"] = csrf_;
    if (withCookie && !cookie_.empty())
        headers["Cookie"] = "cg_flow=" + cookie_;
    return remember(httpRequest(method, base_ + "/api/v1/flows/" + flowId_ + path, body, headers));
}

HttpResponse FlowClient::start(const std::string& type)
{
    flowId_.clear();
    cookie_.clear();
    csrf_.clear();
    return remember(httpRequest("POST", base_ + "/api/v1/flows", R"({"type":")" + type + "\"}"));
}

HttpResponse FlowClient::acceptTerms()
{
    return request("POST", "/terms", R"({"accepted":true})");
}

HttpResponse FlowClient::get()
{
    return request("GET", "", "", false);
}

std::string FlowClient::challenge(const std::string& purpose)
{
    auto response = httpRequest("POST", base_ + "/api/v1/flows/" + flowId_ + "/challenge",
        R"({"purpose":")" + purpose + "\"}",
        { { "X-CSRF-Token", csrf_ }, { "Cookie", "cg_flow=" + cookie_ },
            { "Content-Type", "application/json" } });
    if (response.status != 200)
        throw ChallengeRefused(response);
    return parseJsonObject(response.body)->getValue<std::string>("nonce");
}

HttpResponse FlowClient::cardStep(const std::string& step, Poco::JSON::Object::Ptr fields,
    const std::string& nonce, const std::string& tokenJson)
{
    fields->set("nonce", nonce);
    fields->set("token", parseJsonObject(tokenJson));
    return request("POST", "/" + step, stringify(fields));
}

HttpResponse FlowClient::signedStep(const std::string& step, const std::string& purpose,
    Poco::JSON::Object::Ptr fields, const std::string& cardName)
{
    auto nonce = challenge(purpose);
    auto token = signToken(TestPki::get().card(cardName), origin_, nonce);
    return cardStep(step, fields, nonce, token);
}

HttpResponse FlowClient::organisationCard(
    const std::string& agencyCode, const std::string& cardName)
{
    Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
    fields->set("agencyCode", agencyCode);
    return signedStep("organisation-card", "organisation", fields, cardName);
}

HttpResponse FlowClient::managerCard(const std::string& nationalId, const std::string& cardName)
{
    Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
    fields->set("nationalId", nationalId);
    return signedStep("manager-card", "manager", fields, cardName);
}

HttpResponse FlowClient::citizenCard(const std::string& nationalId, const std::string& cardName)
{
    Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
    if (!nationalId.empty())
        fields->set("nationalId", nationalId);
    return signedStep("citizen-card", "citizen", fields, cardName);
}

HttpResponse FlowClient::reviewApplication(const std::string& name, const std::string& phone)
{
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("applicantName", name);
    body->set("applicantPhone", phone);
    return request("POST", "/review-application", stringify(body));
}

HttpResponse FlowClient::confirm(const std::string& name, const std::string& email,
    const std::string& phone, const std::string& extension)
{
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("name", name);
    body->set("email", email);
    body->set("phone", phone);
    body->set("extension", extension);
    return request("POST", "/confirm", stringify(body));
}

namespace {
Poco::JSON::Object::Ptr operatorBody(const std::string& serial, const std::string& name,
    const std::string& nationalId, const std::vector<std::string>& functions)
{
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("serial", serial);
    body->set("name", name);
    body->set("nationalId", nationalId);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& f : functions)
        list->add(f);
    body->set("functions", list);
    return body;
}
} // namespace

HttpResponse FlowClient::addOperator(const std::string& serial, const std::string& name,
    const std::string& nationalId, const std::vector<std::string>& functions,
    const std::string& certificateBase64)
{
    auto body = operatorBody(serial, name, nationalId, functions);
    if (!certificateBase64.empty())
        body->set("certificate", certificateBase64);
    return request("POST", "/operators", stringify(body));
}

HttpResponse FlowClient::updateOperator(const std::string& id, const std::string& serial,
    const std::string& name, const std::string& nationalId,
    const std::vector<std::string>& functions)
{
    return request(
        "PUT", "/operators/" + id, stringify(operatorBody(serial, name, nationalId, functions)));
}

HttpResponse FlowClient::deleteOperator(const std::string& id)
{
    return request("DELETE", "/operators/" + id, "");
}

} // namespace certgate::test
