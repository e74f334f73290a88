#pragma once

#include <certgate/core/Clock.hpp>
#include <certgate/core/Records.hpp>
#include <certgate/core/Storage.hpp>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace certgate::core {

/// Card verifications of this instance per minute, CA profile and result, not yet stored (the
/// admin dashboard, issue 16 item 4). CardVerifier counts every judged card here in memory — no
/// database write on the login path — and flush() adds the counts to the card_statistics rows
/// that every instance shares: the server's housekeeper calls it every few seconds and at
/// shutdown, the dashboard before it reads.
class CardStatistics {
public:
    explicit CardStatistics(const Clock& clock)
        : clock_(clock)
    {
    }

    /// One card judged: `ca` empty before a chain named a profile, `result` "OK" or the code.
    void count(std::string_view ca, std::string_view result);

    /// Adds what was counted since the last flush to `storage`. When that fails (an outage),
    /// the counts are kept for the next flush and the error propagates.
    void flush(StatisticsRepository& storage);

    /// The counts not yet flushed, oldest minute first.
    std::vector<CardStatistic> pending() const;

private:
    using Key = std::tuple<std::int64_t, std::string, std::string>;
    static std::vector<CardStatistic> rows(const std::map<Key, std::int64_t>& counts);

    const Clock& clock_;
    mutable std::mutex mutex_;
    std::map<Key, std::int64_t> counts_;
    std::mutex flushing_; ///< one flush at a time, so a failed one's counts go back in order
};

} // namespace certgate::core
