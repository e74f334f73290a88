#include "Runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace certgate::bench {
namespace {

using Clock = std::chrono::steady_clock;

// utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat).
double cpuSeconds(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15)
            stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double rssMiB(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

double totalCpu(const std::vector<pid_t>& pids)
{
    double sum = 0;
    for (auto pid : pids)
        sum += cpuSeconds(pid);
    return sum;
}

double percentile(const std::vector<double>& sorted, double p)
{
    if (sorted.empty())
        return 0;
    auto at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(at, sorted.size() - 1)];
}

} // namespace

std::vector<pid_t> parsePids(const std::string& list)
{
    std::vector<pid_t> pids;
    std::istringstream in(list);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            pids.push_back(static_cast<pid_t>(std::stol(item)));
    return pids;
}

RunResult run(const RunOptions& options, const ItemFunction& doItem)
{
    std::vector<double> latencyMs(static_cast<std::size_t>(options.count), 0);
    std::atomic<int> next { 0 };
    std::atomic<int> ok { 0 };
    std::atomic<int> failed { 0 };
    std::mutex errorLock;
    RunResult result;

    std::atomic<bool> sampling { true };
    double peakRss = 0;
    std::thread sampler([&] {
        while (sampling) {
            double rss = 0;
            for (auto pid : options.serverPids)
                rss += rssMiB(pid);
            peakRss = std::max(peakRss, rss);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });

    double cpuBefore = totalCpu(options.serverPids);
    auto start = Clock::now();
    auto worker = [&](int w) {
        for (int k; (k = next++) < options.count;) {
            auto begin = Clock::now();
            if (options.rate > 0) {
                begin = start
                    + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(k / options.rate));
                std::this_thread::sleep_until(begin);
            }
            std::string error;
            bool good = doItem(w, k, error);
            latencyMs[static_cast<std::size_t>(k)]
                = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
            (good ? ok : failed)++;
            if (!good) {
                std::lock_guard lock(errorLock);
                if (result.firstError.empty())
                    result.firstError = error;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < options.workers; ++w)
        threads.emplace_back(worker, w);
    for (auto& t : threads)
        t.join();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.serverCpuSeconds = totalCpu(options.serverPids) - cpuBefore;
    sampling = false;
    sampler.join();

    std::sort(latencyMs.begin(), latencyMs.end());
    result.ok = ok;
    result.failed = failed;
    result.p50Ms = percentile(latencyMs, 0.50);
    result.p99Ms = percentile(latencyMs, 0.99);
    result.maxMs = latencyMs.empty() ? 0 : latencyMs.back();
    result.serverRssMiB = peakRss;
    return result;
}

} // namespace certgate::bench
