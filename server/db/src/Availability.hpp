#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace certgate::db {

/// Whether the database answers, as the pool's calls find out: one warning on Poco logger
/// "certgate.db" when an outage starts (naming the database and the first reason), one
/// information line when it ends, nothing per call in between. Thread-safe.
class Availability {
public:
    explicit Availability(std::string database);

    /// Counts outages seen so far; a connection checked at an older value may be broken.
    std::uint64_t generation() const { return generation_.load(); }
    /// A call failed with DatabaseUnavailable because of `reason`.
    void lost(const std::string& reason);
    /// A call that started at `startedAt` (generation()) succeeded: when the outage was
    /// declared before that call started, the database is back. (A call already under way
    /// when the outage began says nothing about now.)
    void succeeded(std::uint64_t startedAt);
    /// The reason of the outage under way ("" when there is none; never "" during one).
    std::string reason() const;

private:
    std::string database_;
    std::atomic<std::uint64_t> generation_ { 0 };
    std::atomic<bool> down_ { false };
    mutable std::mutex mutex_;
    std::uint64_t downSince_ = 0; ///< generation at which the outage was declared
    std::chrono::steady_clock::time_point downAt_;
    std::string reason_;
};

} // namespace certgate::db
