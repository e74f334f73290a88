#pragma once

#include "Router.hpp"

#include <certgate/http/HttpServer.hpp>

namespace certgate::http {

inline constexpr const char* kFlowCookie = "cg_flow";
inline constexpr const char* kStaffCookie = "cg_staff";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

void addPortalRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options);
void addAdminRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options);

/// GET /admin/api/v1/dashboard (DashboardApi.cpp).
void addDashboardRoute(Router& router, core::Admin& admin, const core::CaRegistry& registry,
    const ServerOptions& options);

/// Every admin route: a staff session, and the CSRF header for anything that changes state.
template <typename Work> Handler staffOnly(core::Admin& admin, bool stateChanging, Work work)
{
    return [&admin, stateChanging, work](Context& ctx) {
        auto csrf = ctx.header(kCsrfHeader);
        auto staff = admin.authenticate(ctx.cookie(kStaffCookie), stateChanging ? &csrf : nullptr);
        work(ctx, staff);
    };
}

/// The profile `id` in a trust status object (ServerOptions::trustStatus), or null.
Poco::JSON::Object::Ptr profileTrust(const Poco::JSON::Object::Ptr& status, const std::string& id);
/// Whether every CA profile can accept cards (true when the app gave no trust status).
bool trustAcceptsCards(const ServerOptions& options);

} // namespace certgate::http
