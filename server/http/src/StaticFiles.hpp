#pragma once

#include "Router.hpp"

#include <string>

namespace certgate::http {

/// Serves the portal and admin pages from the web root. Paths are normalised and may not
/// leave the root; "/" and "/admin/" map to their index.html.
bool serveStatic(Context& ctx, const std::string& webRoot);

} // namespace certgate::http
