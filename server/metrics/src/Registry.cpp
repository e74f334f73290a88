#include <certgate/metrics/Metrics.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace certgate::metrics {

namespace {

void addAtomic(std::atomic<double>& target, double by)
{
    auto current = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) { }
}

std::int64_t steadyNanos()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

void Gauge::add(double by)
{
    addAtomic(value_, by);
}

void Age::touch()
{
    touchedAt_.store(steadyNanos(), std::memory_order_relaxed);
}

double Age::seconds() const
{
    auto at = touchedAt_.load(std::memory_order_relaxed);
    if (at < 0)
        return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(steadyNanos() - at) / 1e9;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds)
    , buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1])
{
    if (!std::is_sorted(bounds_.begin(), bounds_.end()))
        throw std::logic_error("histogram bounds must be sorted");
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
        buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value)
{
    auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    addAtomic(sum_, value);
    count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const
{
    Snapshot snapshot;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    // The count is the +Inf bucket, so the two always agree within one scrape.
    snapshot.count = running;
    return snapshot;
}

const std::vector<double>& latencyBuckets()
{
    static const std::vector<double> bounds { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10 };
    return bounds;
}

Registry& Registry::global()
{
    static Registry registry;
    return registry;
}

template <class Metric>
Family<Metric>& Registry::familyIn(std::map<std::string, std::unique_ptr<Family<Metric>>>& own,
    const std::string& name, const std::string& help, std::vector<std::string> labelNames,
    std::function<std::unique_ptr<Metric>()> make)
{
    std::lock_guard lock(mutex_);
    if (auto found = own.find(name); found != own.end())
        return *found->second;
    if (counters_.contains(name) || gauges_.contains(name) || ages_.contains(name)
        || histograms_.contains(name))
        throw std::logic_error("metric " + name + " is already registered with another type");
    auto& slot = own[name];
    slot = std::make_unique<Family<Metric>>(name, help, std::move(labelNames), std::move(make));
    return *slot;
}

Family<Counter>& Registry::counter(
    const std::string& name, const std::string& help, std::vector<std::string> labelNames)
{
    return familyIn<Counter>(
        counters_, name, help, std::move(labelNames), [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(
    const std::string& name, const std::string& help, std::vector<std::string> labelNames)
{
    return familyIn<Gauge>(
        gauges_, name, help, std::move(labelNames), [] { return std::make_unique<Gauge>(); });
}

Family<Age>& Registry::age(
    const std::string& name, const std::string& help, std::vector<std::string> labelNames)
{
    return familyIn<Age>(
        ages_, name, help, std::move(labelNames), [] { return std::make_unique<Age>(); });
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
    std::vector<std::string> labelNames, std::vector<double> bounds)
{
    return familyIn<Histogram>(histograms_, name, help, std::move(labelNames),
        [bounds] { return std::make_unique<Histogram>(bounds); });
}

Registry::Collector Registry::collect(std::string name, std::string help, Type type,
    std::vector<std::string> labelNames, std::function<std::vector<Sample>()> read)
{
    std::lock_guard lock(mutex_);
    auto id = nextId_++;
    collectors_.emplace(id,
        Collected {
            std::move(name), std::move(help), type, std::move(labelNames), std::move(read) });
    return Collector(this, id);
}

void Registry::remove(std::uint64_t id)
{
    std::lock_guard lock(mutex_);
    collectors_.erase(id);
}

Registry::Collector::Collector(Collector&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr))
    , id_(other.id_)
{
}

Registry::Collector& Registry::Collector::operator=(Collector&& other) noexcept
{
    if (this != &other) {
        if (registry_)
            registry_->remove(id_);
        registry_ = std::exchange(other.registry_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

Registry::Collector::~Collector()
{
    if (registry_)
        registry_->remove(id_);
}

} // namespace certgate::metrics
