#include "Api.hpp"
#include "Json.hpp"

#include <certgate/core/Crypto.hpp>

#include <fstream>
#include <sstream>

namespace certgate::http {

using core::Error;
using core::ErrorCode;

namespace {

// Each flow's session cookie is scoped to that flow's URL, so an agency can run several
// functions in several tabs without one overwriting the other's session.
std::string flowPath(const std::string& flowId)
{
    return "/api/v1/flows/" + flowId;
}

core::FlowRequest flowRequest(Context& ctx)
{
    core::FlowRequest request;
    request.flowId = ctx.params.at(0);
    request.sessionToken = ctx.cookie(kFlowCookie);
    request.csrfToken = ctx.header(kCsrfHeader);
    request.client = ctx.client();
    return request;
}

void sendFlow(Context& ctx, const core::FlowResult& result, const core::PortalSettings& settings,
    int status = 200)
{
    if (!result.sessionToken.empty())
        ctx.setCookie(
            kFlowCookie, result.sessionToken, flowPath(result.view.id), settings.flowMaxSeconds);
    JsonObject body
        = result.notice ? errorToJson(*result.notice) : JsonObject(new Poco::JSON::Object);
    body->set("flow", flowViewToJson(result.view));
    if (!result.csrfToken.empty())
        body->set("csrfToken", result.csrfToken);
    ctx.sendJson(result.notice ? core::errorInfo(result.notice->code()).httpStatus : status, body);
}

core::OperatorInput operatorInput(const JsonObject& body)
{
    core::OperatorInput input;
    input.serial = stringField(body, "serial");
    input.name = stringField(body, "name");
    input.nationalId = stringField(body, "nationalId");
    input.functions = stringArrayField(body, "functions");
    input.certificateBase64 = stringField(body, "certificate");
    return input;
}

std::string readOpenApi(const ServerOptions& options)
{
    std::ifstream in(options.webRoot + "/openapi.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return in ? text.str() : std::string();
}

} // namespace

void addPortalRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options)
{
    const auto& settings = portal.settings();
    const std::string flow = "/api/v1/flows/{flowId}";

    router.add("GET", "/api/v1/config", [&portal, &registry, options](Context& ctx) {
        const auto& s = portal.settings();
        JsonObject o = new Poco::JSON::Object;
        o->set("origin", s.origin);
        o->set("agentUrl", options.agentUrl);
        o->set("hipki", s.hipki.enabled);
        if (s.hipki.enabled)
            o->set("hipkiLocalServer", s.hipki.localServer);
        o->set("agencyCodePattern", s.agencyCodePattern);
        o->set("version", options.version);
        o->set("functions", arrayOf(s.functions, [](const auto& f) {
            return objectOf({ { "id", f.id }, { "label", f.labelZh }, { "labelEn", f.labelEn } });
        }));
        JsonArray cas = new Poco::JSON::Array;
        for (const auto& loaded : registry.list()) {
            if (!loaded.loaded || !loaded.profile)
                continue;
            const auto& p = *loaded.profile;
            cas->add(objectOf(
                { { "id", p.id }, { "kind", plugin::toString(p.kind) }, { "name", p.displayNameZh },
                    { "nameEn", p.displayNameEn }, { "url", p.service.url },
                    { "phone", p.service.phone }, { "applyUrl", p.service.applyUrl } }));
        }
        o->set("cas", cas);
        o->set("sections", arrayOf(s.sections, sectionToJson));
        ctx.sendJson(200, o);
    });

    router.add("GET", "/api/v1/health", [&registry, options](Context& ctx) {
        bool database = options.databaseAlive ? options.databaseAlive() : true;
        int loaded = 0;
        for (const auto& ca : registry.list())
            loaded += ca.loaded ? 1 : 0;
        // A profile that can accept no card degrades the service, but the instance still
        // serves (200): only a database outage takes it out of a load balancer.
        const bool trust = trustAcceptsCards(options);
        ctx.sendJson(database ? 200 : 503,
            objectOf(
                { { "status", database && trust ? "ok" : "degraded" }, { "database", database },
                    { "trust", trust }, { "plugins", loaded }, { "version", options.version } }));
    });

    // The API's contract (web/openapi.json, read once): OpenApiTest keeps it and the routes
    // in step.
    router.add("GET", "/api/v1/openapi.json", [document = readOpenApi(options)](Context& ctx) {
        if (document.empty())
            throw Error(ErrorCode::NotFound, "openapi.json is not installed in the web root");
        ctx.send(200, "application/json; charset=utf-8", document, "no-cache");
    });

    router.add("POST", "/api/v1/flows", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        auto result = portal.startFlow(stringField(body, "type", true), ctx.client());
        sendFlow(ctx, result, settings, 201);
    });

    router.add("GET", flow, [&portal](Context& ctx) {
        JsonObject o = new Poco::JSON::Object;
        o->set("flow", flowViewToJson(portal.view(flowRequest(ctx))));
        ctx.sendJson(200, o);
    });

    router.add("POST", flow + "/terms", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        if (!body->has("accepted") || !body->get("accepted").isBoolean()
            || !body->getValue<bool>("accepted"))
            throw Error(ErrorCode::TermsNotAccepted);
        sendFlow(ctx, portal.acceptTerms(flowRequest(ctx)), settings);
    });

    router.add("POST", flow + "/challenge", [&portal](Context& ctx) {
        auto body = ctx.body();
        auto nonce = portal.challenge(flowRequest(ctx), stringField(body, "purpose", true));
        JsonObject o = new Poco::JSON::Object;
        o->set("nonce", nonce.nonce);
        o->set("origin", nonce.origin);
        o->set("expiresAt", isoTime(nonce.expiresAt));
        if (!nonce.hipkiToBeSigned.empty()) {
            o->set("hipkiToBeSigned", nonce.hipkiToBeSigned);
            o->set("hipkiExpiresAt", isoTime(nonce.hipkiExpiresAt));
        }
        ctx.sendJson(200, o);
    });

    router.add("POST", flow + "/organisation-card", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        auto token = tokenField(body);
        sendFlow(ctx,
            portal.organisationCard(flowRequest(ctx), stringField(body, "agencyCode"),
                stringField(body, "nonce"), token),
            settings);
    });

    router.add("POST", flow + "/review-application", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        sendFlow(ctx,
            portal.reviewApplication(flowRequest(ctx), stringField(body, "applicantName"),
                stringField(body, "applicantPhone")),
            settings);
    });

    router.add("POST", flow + "/manager-card", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        auto token = tokenField(body);
        sendFlow(ctx,
            portal.managerCard(flowRequest(ctx), stringField(body, "nationalId"),
                stringField(body, "nonce"), token),
            settings);
    });

    router.add("POST", flow + "/citizen-card", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        auto token = tokenField(body);
        sendFlow(ctx,
            portal.citizenCard(flowRequest(ctx), stringField(body, "nationalId"),
                stringField(body, "nonce"), token),
            settings);
    });

    router.add("POST", flow + "/confirm", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        core::ContactDetails contact { stringField(body, "name"), stringField(body, "email"),
            stringField(body, "phone"), stringField(body, "extension") };
        sendFlow(ctx, portal.confirm(flowRequest(ctx), contact), settings);
    });

    router.add("POST", flow + "/operators", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        sendFlow(ctx, portal.addOperator(flowRequest(ctx), operatorInput(body)), settings, 201);
    });

    router.add("PUT", flow + "/operators/{operatorId}", [&portal, &settings](Context& ctx) {
        auto body = ctx.body();
        sendFlow(ctx,
            portal.updateOperator(flowRequest(ctx), ctx.params.at(1), operatorInput(body)),
            settings);
    });

    router.add("DELETE", flow + "/operators/{operatorId}", [&portal, &settings](Context& ctx) {
        sendFlow(ctx, portal.deleteOperator(flowRequest(ctx), ctx.params.at(1)), settings);
    });

    // A completed staff-login flow becomes an admin session (cookie scoped to /admin).
    router.add("POST", flow + "/staff-session", [&portal, &admin](Context& ctx) {
        auto staff = portal.takeStaffLogin(flowRequest(ctx));
        if (!staff)
            throw Error(ErrorCode::StaffNotAllowed, "no completed staff login in this flow");
        auto session = admin.startSession(*staff);
        admin.record(*staff, "staff.session-start", staff->id);
        ctx.setCookie(kStaffCookie, session.token, "/admin", portal.settings().staffSessionSeconds);
        JsonObject o = new Poco::JSON::Object;
        o->set("csrfToken", session.csrfToken);
        o->set("staff", staffToJson(*staff));
        o->set("expiresAt", isoTime(session.expiresAt));
        ctx.sendJson(200, o);
    });

    router.add("GET", "/api/v1/receipts", [&portal](Context& ctx) {
        auto answer = portal.receipts(ctx.query("agencyCode"), ctx.client());
        JsonObject o = new Poco::JSON::Object;
        o->set("agencyCode", answer.agencyCode);
        o->set("agencyName", answer.agencyName);
        JsonArray receipts = new Poco::JSON::Array;
        for (const auto& r : answer.receipts)
            receipts->add(receiptToJson(r));
        o->set("receipts", receipts);
        ctx.sendJson(200, o);
    });
}

} // namespace certgate::http
