#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::metrics {

/// A value that only goes up (Prometheus counter).
class Counter {
public:
    void inc(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_ { 0 };
};

/// A value that goes up and down (Prometheus gauge).
class Gauge {
public:
    void set(double value) { value_.store(value, std::memory_order_relaxed); }
    void add(double by);
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_ { 0 };
};

/// Seconds since the last touch() (a gauge; NaN before the first touch): how old a cache is.
class Age {
public:
    void touch();
    double seconds() const;

private:
    std::atomic<std::int64_t> touchedAt_ { -1 }; ///< steady clock, nanoseconds
};

/// Observations counted into cumulative buckets (Prometheus histogram).
class Histogram {
public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double value);

    struct Snapshot {
        std::vector<std::uint64_t> cumulative; ///< one per bound, then +Inf
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const;
    const std::vector<double>& bounds() const { return bounds_; }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<double> sum_ { 0 };
    std::atomic<std::uint64_t> count_ { 0 };
};

/// Latency buckets in seconds, 1 ms to 10 s.
const std::vector<double>& latencyBuckets();

enum class Type { Counter, Gauge, Histogram };

/// One metric name with its label names; a series per distinct label values, made on first use
/// and kept (label values must come from a bounded set: routes, CA ids, error codes).
template <class Metric> class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> labelNames,
        std::function<std::unique_ptr<Metric>()> make)
        : name_(std::move(name))
        , help_(std::move(help))
        , labelNames_(std::move(labelNames))
        , make_(std::move(make))
    {
    }

    /// The series for these label values (as many as the family has label names).
    Metric& with(std::initializer_list<std::string_view> values)
    {
        std::vector<std::string> key(values.begin(), values.end());
        std::lock_guard lock(mutex_);
        auto& slot = series_[key];
        if (!slot)
            slot = make_();
        return *slot;
    }

    /// Calls `visit(labelValues, metric)` for every series, in label order.
    template <class Visit> void forEach(Visit&& visit) const
    {
        std::lock_guard lock(mutex_);
        for (const auto& [labels, metric] : series_)
            visit(labels, *metric);
    }

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& labelNames() const { return labelNames_; }

private:
    std::string name_;
    std::string help_;
    std::vector<std::string> labelNames_;
    std::function<std::unique_ptr<Metric>()> make_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

/// A value read when the metrics are scraped (connections open, audit chain length...).
struct Sample {
    std::vector<std::string> labelValues;
    double value = 0;
};

/// Writes families in the text exposition format.
class Exposition {
public:
    void family(std::string_view name, std::string_view help, Type type);
    void sample(std::string_view name, const std::vector<std::string>& labelNames,
        const std::vector<std::string>& labelValues, double value, std::string_view extraLabel = {},
        std::string_view extraValue = {});
    std::string text() && { return std::move(out_); }

private:
    std::string out_;
};

/// Every metric of the process. Families are made once per name (asking again for a name gives
/// the same family); collectors add values computed at scrape time and are removed when their
/// handle is destroyed.
class Registry {
public:
    static Registry& global();

    Family<Counter>& counter(
        const std::string& name, const std::string& help, std::vector<std::string> labelNames);
    Family<Gauge>& gauge(
        const std::string& name, const std::string& help, std::vector<std::string> labelNames);
    Family<Age>& age(
        const std::string& name, const std::string& help, std::vector<std::string> labelNames);
    Family<Histogram>& histogram(const std::string& name, const std::string& help,
        std::vector<std::string> labelNames, std::vector<double> bounds = latencyBuckets());

    class Collector {
    public:
        Collector() = default;
        Collector(Registry* registry, std::uint64_t id)
            : registry_(registry)
            , id_(id)
        {
        }
        Collector(Collector&& other) noexcept;
        Collector& operator=(Collector&& other) noexcept;
        ~Collector();

    private:
        Registry* registry_ = nullptr;
        std::uint64_t id_ = 0;
    };
    /// `read` is called at every scrape; a read that throws leaves its family out of that scrape.
    [[nodiscard]] Collector collect(std::string name, std::string help, Type type,
        std::vector<std::string> labelNames, std::function<std::vector<Sample>()> read);

    /// The text exposition of every family, sorted by name.
    std::string exposition() const;

private:
    struct Collected {
        std::string name, help;
        Type type;
        std::vector<std::string> labelNames;
        std::function<std::vector<Sample>()> read;
    };
    void remove(std::uint64_t id);
    template <class Metric>
    Family<Metric>& familyIn(std::map<std::string, std::unique_ptr<Family<Metric>>>& own,
        const std::string& name, const std::string& help, std::vector<std::string> labelNames,
        std::function<std::unique_ptr<Metric>()> make);

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
    std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
    std::map<std::string, std::unique_ptr<Family<Age>>> ages_;
    std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
    std::map<std::uint64_t, Collected> collectors_;
    std::uint64_t nextId_ = 1;
};

/// The Prometheus text format's content type.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

} // namespace certgate::metrics
