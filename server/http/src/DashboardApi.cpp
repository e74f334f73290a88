// GET /admin/api/v1/dashboard: the admin dashboard's numbers (issue 16 item 4) — card logins
// and refusals per CA and per error code over the last hour and day, every CA profile's
// health, and the review queue.

#include "Api.hpp"
#include "Json.hpp"

namespace certgate::http {

namespace {

JsonArray seriesToJson(const std::vector<core::DashboardSeries>& series, const char* keyName)
{
    return arrayOf(series, [keyName](const core::DashboardSeries& s) {
        auto o = objectOf({ { keyName, s.key }, { "total", s.total },
            { "counts", arrayOf(s.counts, [](std::int64_t n) { return n; }) } });
        // A refusal's code with the catalogue's words for it (SPEC §8), for the legend.
        if (auto code = core::errorCodeFromString(s.key);
            code && keyName == std::string("result")) {
            const auto& info = core::errorInfo(*code);
            o->set("message", std::string(info.messageZh));
            o->set("messageEn", std::string(info.messageEn));
        }
        return o;
    });
}

JsonObject windowToJson(const core::DashboardWindow& window)
{
    JsonArray starts = new Poco::JSON::Array;
    for (int i = 0; i < window.buckets; ++i)
        starts->add(isoTime(window.from + i * window.bucketSeconds));
    return objectOf({ { "from", isoTime(window.from) },
        { "to", isoTime(window.from + window.bucketSeconds * window.buckets) },
        { "bucketSeconds", window.bucketSeconds }, { "buckets", starts },
        { "accepted", window.accepted }, { "refused", window.refused },
        { "acceptedByCa", seriesToJson(window.acceptedByCa, "ca") },
        { "refusedByResult", seriesToJson(window.refusedByResult, "result") },
        { "byCa", arrayOf(window.byCa, [](const auto& totals) {
             return objectOf({ { "ca", totals.ca }, { "accepted", totals.accepted },
                 { "refused", totals.refused } });
         }) } });
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
            ctx.sendJson(200,
                objectOf({ { "generatedAt", isoTime(view.generatedAt) },
                    { "hour", windowToJson(view.hour) }, { "day", windowToJson(view.day) },
                    { "pendingReviews", view.pendingReviews },
                    { "caProfiles", caHealthToJson(registry, options) } }));
        }));
}

} // namespace certgate::http
