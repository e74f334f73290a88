#include "ServiceMetrics.hpp"

#include <certgate/plugin/Version.hpp>

namespace certgate::app {

std::vector<metrics::Registry::Collector> registerServiceMetrics(Services& services)
{
    using metrics::Sample;
    using metrics::Type;
    auto& registry = metrics::Registry::global();
    std::vector<metrics::Registry::Collector> collectors;

    // One read of the audit head per scrape and per family (an index lookup on the chain).
    collectors.push_back(registry.collect("certgate_audit_chain_length",
        "Events in the audit chain (its head's sequence number).", Type::Gauge, {}, [&services] {
            auto last = services.storage().lastAuditEvent();
            return std::vector<Sample> { { {}, last ? static_cast<double>(last->seq) : 0.0 } };
        }));
    collectors.push_back(registry.collect("certgate_audit_last_append_timestamp_seconds",
        "Unix time of the newest audit event.", Type::Gauge, {}, [&services] {
            auto last = services.storage().lastAuditEvent();
            return std::vector<Sample> { { {}, last ? static_cast<double>(last->at) : 0.0 } };
        }));
    collectors.push_back(registry.collect("certgate_ca_profile_accepts_cards",
        "1 while the CA profile's trust material lets it accept cards, else 0 "
        "(certgate ca status).",
        Type::Gauge, { "ca" }, [&services] {
            std::vector<Sample> samples;
            for (const auto& profile : services.trust().status().profiles)
                samples.push_back({ { profile.id }, profile.trust.acceptsCards ? 1.0 : 0.0 });
            return samples;
        }));
    collectors.push_back(registry.collect("certgate_build_info",
        "The running certgate: version, plugin API and database backend (always 1).", Type::Gauge,
        { "version", "plugin_api", "backend" }, [&services] {
            return std::vector<Sample> { { { CERTGATE_VERSION, std::to_string(plugin::kApiVersion),
                                               services.config().databaseBackend },
                1.0 } };
        }));
    collectors.push_back(registry.collect("certgate_plugin_info",
        "Each CA plugin: 1 when loaded (with the plugin API it was built for), 0 when refused.",
        Type::Gauge, { "ca", "plugin_api", "library" }, [&services] {
            std::vector<Sample> samples;
            for (const auto& ca : services.trust().plugins().list())
                samples.push_back(
                    { { ca.id, ca.loaded ? std::to_string(plugin::kApiVersion) : "", ca.library },
                        ca.loaded ? 1.0 : 0.0 });
            return samples;
        }));
    return collectors;
}

} // namespace certgate::app
