#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace certgate::core {

/// The bureau's calendar (Asia/Taipei, UTC+8 all year, no daylight saving): weekends and a
/// configured holiday list (conf/holidays.json, "YYYY-MM-DD"), plus make-up working days
/// (補班) that fall on weekends.
class BusinessCalendar {
public:
    BusinessCalendar(std::set<std::string> holidays, std::set<std::string> workingWeekends = {});

    /// "YYYY-MM-DD" of an instant in Taipei.
    static std::string taipeiDate(std::int64_t at);
    /// 00:00 Asia/Taipei of that date, as Unix seconds.
    static std::int64_t taipeiMidnight(const std::string& date);

    bool isBusinessDay(const std::string& date) const;
    /// 00:00 Asia/Taipei of the first business day strictly after the day of `at`.
    std::int64_t nextBusinessDayStart(std::int64_t at) const;

private:
    std::set<std::string> holidays_;
    std::set<std::string> workingWeekends_;
};

} // namespace certgate::core
