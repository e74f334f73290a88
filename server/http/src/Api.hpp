#pragma once

#include "Router.hpp"

#include <certgate/http/HttpServer.hpp>

namespace certgate::http {

void addPortalRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options);
void addAdminRoutes(Router& router, core::Portal& portal, core::Admin& admin,
    const core::CaRegistry& registry, const ServerOptions& options);

/// The profile `id` in a trust status object (ServerOptions::trustStatus), or null.
Poco::JSON::Object::Ptr profileTrust(const Poco::JSON::Object::Ptr& status, const std::string& id);
/// Whether every CA profile can accept cards (true when the app gave no trust status).
bool trustAcceptsCards(const ServerOptions& options);

inline constexpr const char* kFlowCookie = "cg_flow";
inline constexpr const char* kStaffCookie = "cg_staff";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

} // namespace certgate::http
