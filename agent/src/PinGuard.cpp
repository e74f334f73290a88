#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/PinGuard.hpp>

namespace certgate::agent {

PinGuard::PinGuard(Limits limits)
    : limits_(limits)
{
}

void PinGuard::check(const std::string& card, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    auto it = counts_.find(card);
    if (it == counts_.end())
        return;
    auto ends = it->second.first + limits_.window;
    if (now >= ends) {
        counts_.erase(it);
        return;
    }
    if (it->second.wrong < limits_.maxWrongPins)
        return;
    auto seconds = std::chrono::ceil<std::chrono::seconds>(ends - now).count();
    Poco::JSON::Object facts;
    facts.set("retryAfter", static_cast<std::int64_t>(seconds));
    facts.set("wrongPins", it->second.wrong);
    throw AgentError(ErrorCode::PinAttemptsLimited,
        std::to_string(it->second.wrong) + " wrong PINs for this card", facts);
}

void PinGuard::wrongPin(const std::string& card, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    auto& count = counts_[card];
    if (count.wrong == 0 || now >= count.first + limits_.window)
        count = Count { 0, now };
    ++count.wrong;
}

void PinGuard::correctPin(const std::string& card)
{
    std::lock_guard lock(mutex_);
    counts_.erase(card);
}

} // namespace certgate::agent
