// The metrics registry: families made once per name, label values escaped, histograms
// cumulative with +Inf equal to the count, collectors read at scrape time and gone with their
// handle. (The whole scrape is checked by promtool in the server's MetricsTest.)
#include <certgate/metrics/Metrics.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace certgate::metrics {
namespace {

TEST(RegistryTest, AFamilyIsMadeOncePerNameAndAnotherTypeUnderItsNameIsRefused)
{
    Registry registry;
    auto& first = registry.counter("test_events_total", "Events.", { "kind" });
    auto& again = registry.counter("test_events_total", "Events.", { "kind" });
    EXPECT_EQ(&first, &again);
    first.with({ "a" }).inc();
    again.with({ "a" }).inc(2);
    EXPECT_EQ(first.with({ "a" }).value(), 3u);
    EXPECT_THROW(registry.gauge("test_events_total", "Events.", {}), std::logic_error);
}

TEST(RegistryTest, LabelValuesAreEscapedAndFamiliesWrittenInNameOrder)
{
    Registry registry;
    registry.gauge("test_b", "Second.", { "path" }).with({ "a\"b\\c\nd" }).set(1.5);
    registry.counter("test_a_total", "First\nline.", {}).with({}).inc();
    EXPECT_EQ(registry.exposition(),
        "# HELP test_a_total First\\nline.\n# TYPE test_a_total counter\ntest_a_total 1\n"
        "# HELP test_b Second.\n# TYPE test_b gauge\ntest_b{path=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeAndInfEqualsTheCount)
{
    Registry registry;
    auto& h = registry.histogram("test_seconds", "Time.", { "route" }, { 0.1, 1 }).with({ "/x" });
    for (double v : { 0.05, 0.1, 0.5, 3.0 })
        h.observe(v);
    auto text = registry.exposition();
    EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"), std::string::npos);
    EXPECT_NE(text.find("test_seconds_sum{route=\"/x\"} 3.65\n"), std::string::npos);
    EXPECT_NE(text.find("test_seconds_count{route=\"/x\"} 4\n"), std::string::npos);
}

TEST(RegistryTest, CollectorsAreReadAtScrapeTimeAndRemovedWithTheirHandle)
{
    Registry registry;
    double open = 2;
    {
        auto handle = registry.collect("test_open", "Open now.", Type::Gauge, {}, [&open] {
            return std::vector<Sample> { { {}, open } };
        });
        open = 7;
        EXPECT_NE(registry.exposition().find("test_open 7\n"), std::string::npos);
        auto failing = registry.collect("test_failing", "Throws.", Type::Gauge, {},
            []() -> std::vector<Sample> { throw std::runtime_error("database down"); });
        EXPECT_EQ(registry.exposition().find("test_failing"), std::string::npos);
    }
    EXPECT_EQ(registry.exposition().find("test_open"), std::string::npos);
}

TEST(RegistryTest, AnAgeIsNotANumberBeforeItsFirstTouch)
{
    Registry registry;
    auto& age = registry.age("test_age_seconds", "Age.", { "ca" }).with({ "moica" });
    EXPECT_NE(
        registry.exposition().find("test_age_seconds{ca=\"moica\"} NaN\n"), std::string::npos);
    age.touch();
    EXPECT_GE(age.seconds(), 0);
    EXPECT_LT(age.seconds(), 60);
}

} // namespace
} // namespace certgate::metrics
