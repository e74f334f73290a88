#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace certgate::test {

/// A real program started by a test, with stdout and stderr captured. The destructor stops it
/// (SIGTERM, then SIGKILL after two seconds).
class ChildProcess {
public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
        const std::map<std::string, std::string>& extraEnv = {}, const std::string& stdinText = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Waits until the combined output matches `pattern` (ECMAScript regex) and returns the
    /// first capture group (or the whole match); nullopt on timeout or exit.
    std::optional<std::string> waitForOutput(
        const std::string& pattern, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    /// Waits for "listening on <url>" and returns the URL.
    std::string waitForListening(std::chrono::milliseconds timeout = std::chrono::seconds(20));

    /// Waits for the exit; returns the exit code (128+signal when killed), nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    void signal(int sig);
    bool running();
    int pid() const { return pid_; }
    std::string output();
    /// Waits (bounded) until the program's output pipe has closed, so output() is complete.
    void drain(std::chrono::milliseconds timeout);

private:
    void readLoop(int fd);
    int pid_ = -1;
    int exitCode_ = -1;
    bool exited_ = false;
    bool drained_ = false;
    std::atomic<bool> stopReading_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string output_;
    std::vector<std::thread> readers_;
};

/// Runs a program to completion; returns exit code and combined output.
struct RunResult {
    int exitCode;
    std::string output;
};
RunResult run(const std::string& program, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& extraEnv = {}, const std::string& stdinText = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(120));

} // namespace certgate::test
