#pragma once

#include <certgate/core/Clock.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

namespace certgate::app {

/// Testing only: the system clock shifted by the number of seconds written in a file, re-read
/// whenever the file changes, so an end-to-end test can move a running server to "the next
/// business day" (issue 7) without restarting it.
class FileOffsetClock final : public core::Clock {
public:
    explicit FileOffsetClock(std::string file)
        : file_(std::move(file))
    {
    }

    std::int64_t now() const override
    {
        std::lock_guard lock(mutex_);
        std::error_code ec;
        auto stamp = std::filesystem::last_write_time(file_, ec);
        if (ec) {
            offset_ = 0;
        } else if (stamp != stamp_) {
            stamp_ = stamp;
            std::ifstream in(file_);
            long long value = 0;
            offset_ = (in >> value) ? value : 0;
        }
        return system_.now() + offset_;
    }

private:
    std::string file_;
    core::SystemClock system_;
    mutable std::mutex mutex_;
    mutable std::filesystem::file_time_type stamp_ {};
    mutable std::int64_t offset_ = 0;
};

} // namespace certgate::app
