#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace certgate::core {

/// Seconds since the Unix epoch, UTC. Injected everywhere a decision depends on time
/// (certificate validity, nonce lifetime, sessions, business days) so tests can freeze it.
class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
public:
    std::int64_t now() const override
    {
        return std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/// A clock that stands still until told otherwise (tests, `--at`, the demo's time travel).
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t start)
        : now_(start)
    {
    }
    std::int64_t now() const override { return now_.load(); }
    void set(std::int64_t t) { now_.store(t); }
    void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

private:
    std::atomic<std::int64_t> now_;
};

/// The system clock shifted by a fixed offset (the demo's and e2e tests' "next business day").
class OffsetClock final : public Clock {
public:
    OffsetClock(const Clock& base, std::int64_t offsetSeconds)
        : base_(base)
        , offset_(offsetSeconds)
    {
    }
    std::int64_t now() const override { return base_.now() + offset_.load(); }
    void setOffset(std::int64_t seconds) { offset_.store(seconds); }
    std::int64_t offset() const { return offset_.load(); }

private:
    const Clock& base_;
    std::atomic<std::int64_t> offset_;
};

} // namespace certgate::core
