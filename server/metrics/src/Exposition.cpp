// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): HELP and TYPE once per
// family, one line per sample, label values escaped (backslash, double quote, line feed).
#include <certgate/metrics/Metrics.hpp>

#include <charconv>
#include <cmath>
#include <map>

namespace certgate::metrics {

namespace {

void appendNumber(std::string& out, double value)
{
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, ec == std::errc() ? end : buffer);
}

void appendEscaped(std::string& out, std::string_view text, bool quotes)
{
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quotes)
            out += "\\\"";
        else
            out += c;
    }
}

const char* typeName(Type type)
{
    switch (type) {
    case Type::Counter:
        return "counter";
    case Type::Gauge:
        return "gauge";
    case Type::Histogram:
        return "histogram";
    }
    return "untyped";
}

} // namespace

void Exposition::family(std::string_view name, std::string_view help, Type type)
{
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    appendEscaped(out_, help, false);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += typeName(type);
    out_ += '\n';
}

void Exposition::sample(std::string_view name, const std::vector<std::string>& labelNames,
    const std::vector<std::string>& labelValues, double value, std::string_view extraLabel,
    std::string_view extraValue)
{
    out_ += name;
    bool any = false;
    auto label = [&](std::string_view key, std::string_view text) {
        out_ += any ? ',' : '{';
        any = true;
        out_ += key;
        out_ += "=\"";
        appendEscaped(out_, text, true);
        out_ += '"';
    };
    for (std::size_t i = 0; i < labelNames.size() && i < labelValues.size(); ++i)
        label(labelNames[i], labelValues[i]);
    if (!extraLabel.empty())
        label(extraLabel, extraValue);
    if (any)
        out_ += '}';
    out_ += ' ';
    appendNumber(out_, value);
    out_ += '\n';
}

std::string Registry::exposition() const
{
    // Written in name order, whatever kind each family is, so a family reads as one block.
    std::map<std::string, std::function<void(Exposition&)>> writers;
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : counters_)
        writers[name] = [&family = *family](Exposition& out) {
            out.family(family.name(), family.help(), Type::Counter);
            family.forEach([&](const std::vector<std::string>& labels, const Counter& counter) {
                out.sample(family.name(), family.labelNames(), labels,
                    static_cast<double>(counter.value()));
            });
        };
    for (const auto& [name, family] : gauges_)
        writers[name] = [&family = *family](Exposition& out) {
            out.family(family.name(), family.help(), Type::Gauge);
            family.forEach([&](const std::vector<std::string>& labels, const Gauge& gauge) {
                out.sample(family.name(), family.labelNames(), labels, gauge.value());
            });
        };
    for (const auto& [name, family] : ages_)
        writers[name] = [&family = *family](Exposition& out) {
            out.family(family.name(), family.help(), Type::Gauge);
            family.forEach([&](const std::vector<std::string>& labels, const Age& age) {
                out.sample(family.name(), family.labelNames(), labels, age.seconds());
            });
        };
    for (const auto& [name, family] : histograms_)
        writers[name] = [&family = *family](Exposition& out) {
            out.family(family.name(), family.help(), Type::Histogram);
            family.forEach([&](const std::vector<std::string>& labels, const Histogram& h) {
                auto snapshot = h.snapshot();
                std::string bucket = family.name() + "_bucket";
                for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
                    std::string bound;
                    appendNumber(bound, i < h.bounds().size() ? h.bounds()[i] : HUGE_VAL);
                    out.sample(bucket, family.labelNames(), labels,
                        static_cast<double>(snapshot.cumulative[i]), "le", bound);
                }
                out.sample(family.name() + "_sum", family.labelNames(), labels, snapshot.sum);
                out.sample(family.name() + "_count", family.labelNames(), labels,
                    static_cast<double>(snapshot.count));
            });
        };
    for (const auto& entry : collectors_)
        writers[entry.second.name] = [&collected = entry.second](Exposition& out) {
            std::vector<Sample> samples;
            try {
                samples = collected.read();
            } catch (...) {
                return; // e.g. the database is down: this family sits the scrape out
            }
            out.family(collected.name, collected.help, collected.type);
            for (const auto& s : samples)
                out.sample(collected.name, collected.labelNames, s.labelValues, s.value);
        };
    Exposition out;
    for (const auto& [name, write] : writers)
        write(out);
    return std::move(out).text();
}

} // namespace certgate::metrics
