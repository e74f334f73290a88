#include <certgate/core/BusinessCalendar.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace certgate::core {
namespace {

// Taiwan has kept UTC+8 without daylight saving since 1979.
constexpr std::int64_t kTaipeiOffset = 8 * 3600;
constexpr std::int64_t kDay = 86400;

std::chrono::year_month_day civil(std::int64_t at)
{
    auto days = std::chrono::sys_days(
        std::chrono::days((at + kTaipeiOffset) >= 0 ? (at + kTaipeiOffset) / kDay
                                                    : ((at + kTaipeiOffset) - kDay + 1) / kDay));
    return std::chrono::year_month_day(days);
}

std::string format(const std::chrono::year_month_day& ymd)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buffer;
}

} // namespace

BusinessCalendar::BusinessCalendar(
    std::set<std::string> holidays, std::set<std::string> workingWeekends)
    : holidays_(std::move(holidays))
    , workingWeekends_(std::move(workingWeekends))
{
}

std::string BusinessCalendar::taipeiDate(std::int64_t at)
{
    return format(civil(at));
}

std::int64_t BusinessCalendar::taipeiMidnight(const std::string& date)
{
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
        throw std::invalid_argument("not a YYYY-MM-DD date: " + date);
    std::chrono::year_month_day ymd { std::chrono::year(y), std::chrono::month(m),
        std::chrono::day(d) };
    if (!ymd.ok())
        throw std::invalid_argument("not a calendar date: " + date);
    auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
    return static_cast<std::int64_t>(days) * kDay - kTaipeiOffset;
}

bool BusinessCalendar::isBusinessDay(const std::string& date) const
{
    if (holidays_.contains(date))
        return false;
    std::chrono::weekday weekday { std::chrono::sys_days(civil(taipeiMidnight(date))) };
    bool weekend = weekday == std::chrono::Saturday || weekday == std::chrono::Sunday;
    return !weekend || workingWeekends_.contains(date);
}

std::int64_t BusinessCalendar::nextBusinessDayStart(std::int64_t at) const
{
    auto start = taipeiMidnight(taipeiDate(at));
    for (int i = 1; i <= 366; ++i) {
        auto candidate = start + i * kDay;
        if (isBusinessDay(taipeiDate(candidate)))
            return candidate;
    }
    throw std::runtime_error("no business day within a year: check the holiday list");
}

} // namespace certgate::core
