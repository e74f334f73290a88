#include "Availability.hpp"

#include <Poco/Logger.h>

namespace certgate::db {
namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate.db");
}

} // namespace

Availability::Availability(std::string database)
    : database_(std::move(database))
{
}

void Availability::lost(const std::string& reason)
{
    const auto generation = ++generation_;
    std::lock_guard lock(mutex_);
    if (down_)
        return;
    down_ = true;
    downSince_ = generation;
    downAt_ = std::chrono::steady_clock::now();
    reason_ = reason.empty() ? std::string("no reason given") : reason;
    logger().warning(
        "database %s unavailable, answering 503 until it is back: %s", database_, reason_);
}

void Availability::succeeded(std::uint64_t startedAt)
{
    if (!down_.load(std::memory_order_relaxed))
        return;
    std::lock_guard lock(mutex_);
    if (!down_ || startedAt < downSince_)
        return;
    down_ = false;
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - downAt_;
    logger().information("database %s available again after %.1f s", database_, seconds.count());
}

std::string Availability::reason() const
{
    std::lock_guard lock(mutex_);
    return down_ ? reason_ : std::string();
}

} // namespace certgate::db
