#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace certgate::agent {

/// How many wrong PINs a card may take, and within how long (agent.json: maxWrongPins,
/// wrongPinWindowSeconds).
struct PinLimits {
    int maxWrongPins = 3;
    std::chrono::seconds window { 300 };
};

/// Wrong PINs per card, counted by the agent itself: a card that never locks (or one whose
/// issuer allows many tries) still cannot be worked through PIN by PIN from a page. After
/// `maxWrongPins` wrong PINs within `window`, no PIN is sent to that card until the window of the
/// first one has passed (PIN_ATTEMPTS_LIMITED with retryAfter); a correct PIN clears the count.
class PinGuard {
public:
    using Clock = std::chrono::steady_clock;
    using Limits = PinLimits;

    explicit PinGuard(Limits limits = {});

    /// Throws AgentError(PinAttemptsLimited) with facts retryAfter (seconds) and wrongPins.
    void check(const std::string& card, Clock::time_point now = Clock::now());
    void wrongPin(const std::string& card, Clock::time_point now = Clock::now());
    void correctPin(const std::string& card);

private:
    struct Count {
        int wrong = 0;
        Clock::time_point first;
    };
    Limits limits_;
    std::mutex mutex_;
    std::map<std::string, Count> counts_;
};

} // namespace certgate::agent
