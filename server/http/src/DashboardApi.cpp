// GET /admin/api/v1/dashboard: the admin dashboard's numbers (issue 16 item 4) — card logins
// and refusals per CA and per error code over the last hour and day, every CA profile's
// health, and the review queue.

#include "Api.hpp"
#include "Json.hpp"

namespace certgate::http {

namespace {

JsonArray countsToJson(const std::vector<std::int64_t>& counts)
{
    JsonArray list = new Poco::JSON::Array;
    for (const auto count : counts)
        list->add(count);
    return list;
}

JsonArray seriesToJson(const std::vector<core::DashboardSeries>& series, const char* keyName)
{
    JsonArray list = new Poco::JSON::Array;
    for (const auto& s : series) {
        JsonObject o = new Poco::JSON::Object;
        o->set(keyName, s.key);
        // A refusal's code with the catalogue's words for it (SPEC §8), for the legend.
        if (auto code = core::errorCodeFromString(s.key);
            code && keyName == std::string("result")) {
            const auto& info = core::errorInfo(*code);
            o->set("message", std::string(info.messageZh));
            o->set("messageEn", std::string(info.messageEn));
        }
        o->set("total", s.total);
        o->set("counts", countsToJson(s.counts));
        list->add(o);
    }
    return list;
}

JsonObject windowToJson(const core::DashboardWindow& window)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("from", isoTime(window.from));
    o->set("to", isoTime(window.from + window.bucketSeconds * window.buckets));
    o->set("bucketSeconds", window.bucketSeconds);
    JsonArray starts = new Poco::JSON::Array;
    for (int i = 0; i < window.buckets; ++i)
        starts->add(isoTime(window.from + i * window.bucketSeconds));
    o->set("buckets", starts);
    o->set("accepted", window.accepted);
    o->set("refused", window.refused);
    o->set("acceptedByCa", seriesToJson(window.acceptedByCa, "ca"));
    o->set("refusedByResult", seriesToJson(window.refusedByResult, "result"));
    JsonArray byCa = new Poco::JSON::Array;
    for (const auto& totals : window.byCa) {
        JsonObject t = new Poco::JSON::Object;
        t->set("ca", totals.ca);
        t->set("accepted", totals.accepted);
        t->set("refused", totals.refused);
        byCa->add(t);
    }
    o->set("byCa", byCa);
    return o;
}

/// Each CA profile: loaded, whether it can accept cards now and why not (certgate ca status).
JsonArray caHealthToJson(const core::CaRegistry& registry, const ServerOptions& options)
{
    const auto status = options.trustStatus ? options.trustStatus() : JsonObject();
    JsonArray list = new Poco::JSON::Array;
    for (const auto& ca : registry.list()) {
        JsonObject j = new Poco::JSON::Object;
        j->set("id", ca.id);
        j->set("loaded", ca.loaded);
        if (ca.profile) {
            j->set("name", ca.profile->displayNameZh);
            j->set("nameEn", ca.profile->displayNameEn);
        }
        bool accepts = ca.loaded;
        JsonArray problems = new Poco::JSON::Array;
        JsonArray warnings = new Poco::JSON::Array;
        if (!ca.error.empty())
            problems->add(ca.error);
        if (auto trust = profileTrust(status, ca.id)) {
            accepts = accepts && trust->optValue("acceptsCards", false);
            if (auto p = trust->getArray("problems"))
                for (const auto& item : *p)
                    problems->add(item);
            if (auto w = trust->getArray("warnings"))
                for (const auto& item : *w)
                    warnings->add(item);
        }
        j->set("acceptsCards", accepts);
        j->set("problems", problems);
        j->set("warnings", warnings);
        list->add(j);
    }
    return list;
}

} // namespace

void addDashboardRoute(Router& router, core::Admin& admin, const core::CaRegistry& registry,
    const ServerOptions& options)
{
    router.add("GET", "/admin/api/v1/dashboard",
        staffOnly(admin, false, [&registry, options](Context& ctx, const core::Staff&) {
            if (!options.dashboard)
                throw core::Error(core::ErrorCode::NotFound, "no dashboard configured");
            const auto view = options.dashboard();
            JsonObject o = new Poco::JSON::Object;
            o->set("generatedAt", isoTime(view.generatedAt));
            o->set("hour", windowToJson(view.hour));
            o->set("day", windowToJson(view.day));
            o->set("pendingReviews", view.pendingReviews);
            o->set("caProfiles", caHealthToJson(registry, options));
            ctx.sendJson(200, o);
        }));
}

} // namespace certgate::http
