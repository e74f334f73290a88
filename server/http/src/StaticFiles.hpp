#pragma once

#include "Router.hpp"

#include <string>

namespace certgate::http {

/// Serves the portal and admin pages from the web root, and /vendor/... from the vendor root
/// (the npm libraries the build copied, e.g. the dashboard's charting library). Paths are
/// normalised and may not leave their root; "/" and "/admin/" map to their index.html.
bool serveStatic(Context& ctx, const std::string& webRoot, const std::string& vendorRoot);

} // namespace certgate::http
