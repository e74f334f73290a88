#include "Api.hpp"
#include "Json.hpp"

#include <Poco/NumberParser.h>

namespace certgate::http {

using core::Error;
using core::ErrorCode;

namespace {

int intQuery(Context& ctx, const std::string& name, int fallback, int max)
{
    auto text = ctx.query(name);
    int value = fallback;
    if (!text.empty() && !Poco::NumberParser::tryParse(text, value))
        throw Error(ErrorCode::InvalidInput, name + " must be a number", name);
    return std::clamp(value, 0, max);
}

JsonObject registrationToJson(const core::RegistrationSummary& summary)
{
    auto o = objectOf(
        { { "agencyCode", summary.registration.agencyCode }, { "agencyName", summary.agencyName },
            { "registeredAt", isoTime(summary.registration.registeredAt) },
            { "updatedAt", isoTime(summary.registration.updatedAt) } });
    if (summary.organisation) {
        auto org = certificateRefToJson(summary.organisation->cert);
        org->set("identifier", summary.organisation->identifier);
        org->set("identifierType", summary.organisation->identifierType);
        org->set("organisationName", summary.organisation->organisationName);
        o->set("organisation", org);
    }
    if (summary.manager) {
        auto m = certificateRefToJson(summary.manager->cert);
        m->set("name", summary.manager->name);
        m->set("email", summary.manager->email);
        m->set("phone", summary.manager->phone);
        m->set("extension", summary.manager->extension);
        m->set("nationalId", summary.managerIdMasked);
        o->set("manager", m);
    }
    return o;
}

} // namespace

void addAdminRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options)
{
    const std::string api = "/admin/api/v1";
    (void)portal;

    router.add(
        "GET", api + "/me", staffOnly(admin, false, [](Context& ctx, const core::Staff& staff) {
            ctx.sendJson(200, objectOf({ { "staff", staffToJson(staff) } }));
        }));

    router.add("POST", api + "/logout",
        staffOnly(admin, true, [&admin](Context& ctx, const core::Staff& staff) {
            admin.endSession(ctx.cookie(kStaffCookie));
            admin.record(staff, "staff.logout", staff.id);
            ctx.clearCookie(kStaffCookie, "/admin");
            ctx.sendNoContent();
        }));

    router.add("GET", api + "/reviews",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            auto statusText = ctx.query("status");
            std::optional<core::ReviewStatus> status;
            if (!statusText.empty()) {
                status = core::reviewStatusFromString(statusText);
                if (!status)
                    throw Error(ErrorCode::InvalidInput, "unknown status", "status");
            }
            const auto reviews = admin.reviews(
                status, intQuery(ctx, "limit", 100, 500), intQuery(ctx, "offset", 0, 1 << 30));
            ctx.sendJson(200, objectOf({ { "reviews", arrayOf(reviews, reviewToJson) } }));
        }));

    router.add("GET", api + "/reviews/{reviewId}",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            ctx.sendJson(
                200, objectOf({ { "review", reviewToJson(admin.review(ctx.params.at(0))) } }));
        }));

    router.add("POST", api + "/reviews/{reviewId}/decision",
        staffOnly(admin, true, [&admin](Context& ctx, const core::Staff& staff) {
            auto body = ctx.body();
            auto decision = stringField(body, "decision", true);
            if (decision != "approve" && decision != "reject")
                throw Error(
                    ErrorCode::InvalidInput, "decision must be approve or reject", "decision");
            auto review = admin.decide(
                staff, ctx.params.at(0), decision == "approve", stringField(body, "note"));
            ctx.sendJson(200, objectOf({ { "review", reviewToJson(review) } }));
        }));

    router.add("GET", api + "/agencies",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            core::AgencyQuery query { ctx.query("q"), intQuery(ctx, "limit", 50, 500),
                intQuery(ctx, "offset", 0, 1 << 30) };
            ctx.sendJson(200,
                objectOf({ { "agencies", arrayOf(admin.agencies(query), agencyToJson) },
                    { "total", admin.countAgencies(query) } }));
        }));

    router.add("POST", api + "/agencies/import",
        staffOnly(admin, true, [&admin](Context& ctx, const core::Staff& staff) {
            bool dryRun = ctx.query("dryRun") != "false";
            auto report = admin.importAgencies("staff:" + staff.id, ctx.bodyText(), dryRun);
            auto problems = arrayOf(report.problems, [](const auto& p) {
                return objectOf({ { "line", p.line }, { "field", p.field },
                    { "message", p.messageZh }, { "messageEn", p.messageEn } });
            });
            ctx.sendJson(report.problems.empty() ? 200 : 422,
                objectOf({ { "dryRun", report.dryRun }, { "applied", report.applied },
                    { "lines", report.lines }, { "added", report.added },
                    { "updated", report.updated }, { "unchanged", report.unchanged },
                    { "problems", problems } }));
        }));

    router.add("GET", api + "/registrations",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            const auto registrations = admin.registrations(
                intQuery(ctx, "limit", 100, 500), intQuery(ctx, "offset", 0, 1 << 30));
            ctx.sendJson(
                200, objectOf({ { "registrations", arrayOf(registrations, registrationToJson) } }));
        }));

    const std::string agency = api + "/agencies/{agencyCode}";
    router.add("GET", agency + "/registration",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            ctx.sendJson(200,
                objectOf({ { "registration",
                    registrationToJson(admin.registration(ctx.params.at(0))) } }));
        }));

    router.add("GET", agency + "/operators",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            auto list = arrayOf(admin.operators(ctx.params.at(0)), [](const auto& op) {
                return objectOf({ { "id", op.id }, { "serial", op.certSerial },
                    { "issuer", op.certIssuer }, { "name", op.name },
                    { "nationalId", op.nationalIdEnc }, // already masked by core::Admin
                    { "functions", stringsToJson(op.functions) },
                    { "updatedAt", isoTime(op.updatedAt) } });
            });
            ctx.sendJson(200, objectOf({ { "operators", list } }));
        }));

    router.add("GET", agency + "/receipts",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            auto list = arrayOf(admin.receipts(ctx.params.at(0)), [](const core::Receipt& r) {
                return receiptToJson(
                    { r.number, core::toString(r.kind), core::toString(r.status), r.receivedAt });
            });
            ctx.sendJson(200, objectOf({ { "receipts", list } }));
        }));

    router.add(
        "GET", api + "/audit", staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            const auto events = admin.auditEvents(
                intQuery(ctx, "limit", 100, 1000), intQuery(ctx, "offset", 0, 1 << 30));
            ctx.sendJson(200, objectOf({ { "events", arrayOf(events, auditToJson) } }));
        }));

    router.add("GET", api + "/audit/verify",
        staffOnly(admin, false, [&admin](Context& ctx, const core::Staff& staff) {
            auto result = admin.verifyAudit();
            admin.record(staff, "audit.verify", result.ok ? "ok" : "broken");
            ctx.sendJson(200,
                objectOf({ { "ok", result.ok }, { "checked", result.checked },
                    { "firstBadSeq", result.firstBadSeq }, { "problem", result.problem } }));
        }));

    router.add("GET", api + "/plugins",
        staffOnly(admin, false, [&registry, options](Context& ctx, const core::Staff&) {
            const auto status = options.trustStatus ? options.trustStatus() : JsonObject();
            JsonArray list = new Poco::JSON::Array;
            for (const auto& ca : registry.list()) {
                JsonObject j = new Poco::JSON::Object;
                j->set("id", ca.id);
                j->set("library", ca.library);
                j->set("loaded", ca.loaded);
                j->set("error", ca.error);
                if (ca.profile) {
                    const auto& p = *ca.profile;
                    j->set("kind", plugin::toString(p.kind));
                    j->set("name", p.displayNameZh);
                    j->set("nameEn", p.displayNameEn);
                    j->set("test", p.test);
                    j->set("notes", p.notes);
                    j->set("profile", p.sourceFile);
                    j->set("policies", stringsToJson(p.policies));
                    j->set("issuerKeyIds", stringsToJson(p.issuerKeyIds));
                    j->set("revocation", core::toString(p.revocation.mode));
                }
                // The trust material's state, as certgate ca status tells it.
                JsonArray certificates = new Poco::JSON::Array;
                if (auto trust = profileTrust(status, ca.id)) {
                    certificates = trust->getArray("certificates");
                    for (const auto& key : { "acceptsCards", "problems", "warnings", "missing" })
                        j->set(key, trust->get(key));
                }
                j->set("certificates", certificates);
                list->add(j);
            }
            JsonObject o = new Poco::JSON::Object;
            o->set("plugins", list);
            ctx.sendJson(200, o);
        }));

    router.add("GET", api + "/health",
        staffOnly(admin, false, [&registry, options](Context& ctx, const core::Staff&) {
            JsonObject o = new Poco::JSON::Object;
            bool database = options.databaseAlive ? options.databaseAlive() : true;
            o->set("database", database);
            o->set("databaseBackend", options.databaseBackend);
            int loaded = 0;
            int refused = 0;
            for (const auto& ca : registry.list())
                (ca.loaded ? loaded : refused) += 1;
            o->set("pluginsLoaded", loaded);
            o->set("pluginsRefused", refused);
            o->set("version", options.version);
            const bool trust = trustAcceptsCards(options);
            o->set("trust", trust);
            o->set("status", database && refused == 0 && trust ? "ok" : "degraded");
            ctx.sendJson(200, o);
        }));

    router.add("POST", api + "/ca/reload",
        staffOnly(admin, true, [options](Context& ctx, const core::Staff& staff) {
            if (staff.role != "admin")
                throw Error(ErrorCode::StaffNotAllowed, "only admins reload the CA profiles");
            if (!options.reloadTrust)
                throw Error(ErrorCode::InternalError, "no reload configured");
            ctx.sendJson(200, options.reloadTrust(staff.id));
        }));

    router.add(
        "GET", api + "/staff", staffOnly(admin, false, [&admin](Context& ctx, const core::Staff&) {
            ctx.sendJson(200, objectOf({ { "staff", arrayOf(admin.staff(), staffToJson) } }));
        }));

    router.add("POST", api + "/staff/{staffId}/disable",
        staffOnly(admin, true, [&admin](Context& ctx, const core::Staff& staff) {
            if (staff.role != "admin")
                throw Error(ErrorCode::StaffNotAllowed, "only admins disable staff");
            if (ctx.params.at(0) == staff.id)
                throw Error(ErrorCode::InvalidInput, "staff cannot disable themselves", "staff");
            admin.disableStaff("staff:" + staff.id, ctx.params.at(0));
            ctx.sendNoContent();
        }));

    addDashboardRoute(router, admin, registry, options);

    router.add("POST", api + "/staff",
        staffOnly(admin, true, [&admin](Context& ctx, const core::Staff& staff) {
            if (staff.role != "admin")
                throw Error(ErrorCode::StaffNotAllowed, "only admins add staff");
            auto body = ctx.body();
            auto added = admin.addStaff("staff:" + staff.id, stringField(body, "name", true),
                stringField(body, "issuer", true), stringField(body, "serial", true),
                stringField(body, "role").empty() ? "reviewer" : stringField(body, "role"));
            ctx.sendJson(201, objectOf({ { "staff", staffToJson(added) } }));
        }));
}

} // namespace certgate::http
