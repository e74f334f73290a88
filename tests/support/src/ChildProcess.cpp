#include <certgate/test/ChildProcess.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <regex>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace certgate::test {
namespace {

std::vector<std::string> buildEnvironment(const std::map<std::string, std::string>& extra)
{
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq != std::string::npos)
            env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : extra)
        env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

} // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& extraEnv, const std::string& stdinText)
{
    int out[2];
    int in[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    std::vector<std::string> argv { program };
    argv.insert(argv.end(), args.begin(), args.end());
    auto envStrings = buildEnvironment(extraEnv);
    auto argvPtr = pointers(argv);
    auto envPtr = pointers(envStrings);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argvPtr.data(), envPtr.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(in[0]);
    if (rc != 0) {
        close(out[0]);
        close(in[1]);
        throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
    }
    pid_ = pid;
    if (!stdinText.empty()) {
        auto written = ::write(in[1], stdinText.data(), stdinText.size());
        (void)written;
    }
    close(in[1]);
    readers_.emplace_back([this, fd = out[0]] { readLoop(fd); });
}

ChildProcess::~ChildProcess()
{
    if (running()) {
        signal(SIGTERM);
        if (!wait(std::chrono::seconds(2))) {
            signal(SIGKILL);
            wait(std::chrono::seconds(5));
        }
    }
    drain(std::chrono::seconds(2));
    stopReading_ = true;
    for (auto& t : readers_)
        if (t.joinable())
            t.join();
}

void ChildProcess::readLoop(int fd)
{
    char buffer[4096];
    // poll with a timeout, so that the destructor can stop the reader even when a daemon the
    // program started still holds the pipe open.
    while (!stopReading_) {
        pollfd p { fd, POLLIN, 0 };
        int ready = ::poll(&p, 1, 100);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            break;
        if (ready == 0)
            continue;
        auto n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        std::lock_guard lock(mutex_);
        output_.append(buffer, static_cast<std::size_t>(n));
        changed_.notify_all();
    }
    close(fd);
    std::lock_guard lock(mutex_);
    drained_ = true;
    changed_.notify_all();
}

void ChildProcess::drain(std::chrono::milliseconds timeout)
{
    // After the exit, the pipe closes once every holder is gone; a daemon the program started
    // may keep it open, so the wait is bounded.
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return drained_; });
}

std::optional<std::string> ChildProcess::waitForOutput(
    const std::string& pattern, std::chrono::milliseconds timeout)
{
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    for (;;) {
        std::smatch match;
        if (std::regex_search(output_, match, re))
            return match.size() > 1 ? match[1].str() : match[0].str();
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        lock.unlock();
        bool alive = running();
        lock.lock();
        if (!alive && !std::regex_search(output_, match, re)) {
            // Give the reader a moment to drain what the program printed before exiting.
            changed_.wait_for(lock, std::chrono::milliseconds(100));
            if (std::regex_search(output_, match, re))
                return match.size() > 1 ? match[1].str() : match[0].str();
            return std::nullopt;
        }
        changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
}

std::string ChildProcess::waitForListening(std::chrono::milliseconds timeout)
{
    auto url = waitForOutput(R"(listening on (\S+))", timeout);
    if (!url)
        throw std::runtime_error("program did not start listening; output:\n" + output());
    return *url;
}

bool ChildProcess::running()
{
    std::lock_guard lock(mutex_);
    if (exited_ || pid_ < 0)
        return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exited_ = true;
        exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mutex_);
    return exitCode_;
}

void ChildProcess::signal(int sig)
{
    if (pid_ > 0 && running())
        ::kill(pid_, sig);
}

std::string ChildProcess::output()
{
    std::lock_guard lock(mutex_);
    return output_;
}

RunResult run(const std::string& program, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& extraEnv, const std::string& stdinText,
    std::chrono::milliseconds timeout)
{
    ChildProcess child(program, args, extraEnv, stdinText);
    auto code = child.wait(timeout);
    if (!code) {
        child.signal(SIGKILL);
        child.wait();
        throw std::runtime_error(program + " timed out; output:\n" + child.output());
    }
    child.drain(std::chrono::seconds(2));
    return { *code, child.output() };
}

} // namespace certgate::test
