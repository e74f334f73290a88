#include <certgate/core/Dashboard.hpp>

#include <algorithm>
#include <map>

namespace certgate::core {

namespace {

/// Series ordered by total, largest first, then by key.
std::vector<DashboardSeries> ordered(std::map<std::string, DashboardSeries> byKey)
{
    std::vector<DashboardSeries> out;
    out.reserve(byKey.size());
    for (auto& [key, series] : byKey)
        out.push_back(std::move(series));
    std::stable_sort(out.begin(), out.end(),
        [](const DashboardSeries& a, const DashboardSeries& b) { return a.total > b.total; });
    return out;
}

/// Start of the first of `buckets` buckets, the last one the bucket `now` is in.
std::int64_t windowStart(std::int64_t now, std::int64_t bucketSeconds, int buckets)
{
    return now - now % bucketSeconds - (buckets - 1) * bucketSeconds;
}

constexpr int kHourBuckets = 60;
constexpr int kDayBuckets = 24;

} // namespace

DashboardWindow Dashboard::window(const std::vector<CardStatistic>& rows, std::int64_t now,
    std::int64_t bucketSeconds, int buckets)
{
    DashboardWindow w;
    w.bucketSeconds = bucketSeconds;
    w.buckets = buckets;
    w.from = windowStart(now, bucketSeconds, buckets);
    const auto end = w.from + buckets * bucketSeconds;
    std::map<std::string, DashboardSeries> accepted;
    std::map<std::string, DashboardSeries> refused;
    std::map<std::string, DashboardCaTotals> byCa;
    auto add = [buckets](std::map<std::string, DashboardSeries>& into, const std::string& key,
                   std::int64_t bucket, std::int64_t hits) {
        auto& series = into[key];
        if (series.counts.empty()) {
            series.key = key;
            series.counts.assign(static_cast<std::size_t>(buckets), 0);
        }
        series.counts[static_cast<std::size_t>(bucket)] += hits;
        series.total += hits;
    };
    for (const auto& row : rows) {
        if (row.minuteStart < w.from || row.minuteStart >= end || row.hits <= 0)
            continue;
        const auto bucket = (row.minuteStart - w.from) / bucketSeconds;
        auto& totals = byCa[row.ca];
        totals.ca = row.ca;
        if (row.result == "OK") {
            add(accepted, row.ca, bucket, row.hits);
            totals.accepted += row.hits;
            w.accepted += row.hits;
        } else {
            add(refused, row.result, bucket, row.hits);
            totals.refused += row.hits;
            w.refused += row.hits;
        }
    }
    w.acceptedByCa = ordered(std::move(accepted));
    w.refusedByResult = ordered(std::move(refused));
    for (auto& [ca, totals] : byCa)
        w.byCa.push_back(std::move(totals));
    std::stable_sort(
        w.byCa.begin(), w.byCa.end(), [](const DashboardCaTotals& a, const DashboardCaTotals& b) {
            return a.accepted + a.refused > b.accepted + b.refused;
        });
    return w;
}

DashboardView Dashboard::view()
{
    statistics_.flush(storage_);
    DashboardView view;
    view.generatedAt = clock_.now();
    const auto rows = storage_.listCardStatistics(windowStart(view.generatedAt, 3600, kDayBuckets));
    view.day = window(rows, view.generatedAt, 3600, kDayBuckets);
    view.hour = window(rows, view.generatedAt, 60, kHourBuckets);
    view.pendingReviews = storage_.countReviews(ReviewStatus::Pending);
    return view;
}

} // namespace certgate::core
