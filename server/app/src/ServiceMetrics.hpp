#pragma once

#include <certgate/app/Services.hpp>
#include <certgate/metrics/Metrics.hpp>

#include <vector>

namespace certgate::app {

/// The metrics read from the service at each scrape: the audit chain's length and last append,
/// each CA profile's trust, build and plugin information. Removed when the handles go.
std::vector<metrics::Registry::Collector> registerServiceMetrics(Services& services);

} // namespace certgate::app
