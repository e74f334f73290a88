#include <certgate/core/CardStatistics.hpp>

namespace certgate::core {

void CardStatistics::count(std::string_view ca, std::string_view result)
{
    const auto now = clock_.now();
    Key key { now - now % 60, ca.empty() ? "unknown" : std::string(ca), std::string(result) };
    std::lock_guard lock(mutex_);
    ++counts_[key];
}

std::vector<CardStatistic> CardStatistics::rows(const std::map<Key, std::int64_t>& counts)
{
    std::vector<CardStatistic> out;
    out.reserve(counts.size());
    for (const auto& [key, hits] : counts)
        out.push_back({ std::get<0>(key), std::get<1>(key), std::get<2>(key), hits });
    return out;
}

std::vector<CardStatistic> CardStatistics::pending() const
{
    std::lock_guard lock(mutex_);
    return rows(counts_);
}

void CardStatistics::flush(StatisticsRepository& storage)
{
    std::lock_guard flushing(flushing_);
    std::map<Key, std::int64_t> taken;
    {
        std::lock_guard lock(mutex_);
        taken.swap(counts_);
    }
    if (taken.empty())
        return;
    try {
        storage.addCardStatistics(rows(taken));
    } catch (...) {
        // Nothing was stored (one transaction): put the counts back for the next flush.
        std::lock_guard lock(mutex_);
        for (const auto& [key, hits] : taken)
            counts_[key] += hits;
        throw;
    }
}

} // namespace certgate::core
