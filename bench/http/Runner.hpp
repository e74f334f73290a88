// The timed phase of the benchmark: `workers` threads take items 0..count-1 in turn, either as
// fast as they can (closed loop, saturation) or each at its scheduled time start + k / rate
// (open loop, fixed offered load; the latency then counts from the scheduled time, so a stalled
// server is not hidden by a stalled generator). The server's CPU time and RSS are sampled from
// /proc while it runs.
#pragma once

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace certgate::bench {

struct RunOptions {
    int count = 0;
    int workers = 16;
    double rate = 0; // items per second; 0 = closed loop
    std::vector<pid_t> serverPids;
};

struct RunResult {
    int ok = 0;
    int failed = 0;
    double seconds = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    double serverCpuSeconds = 0;
    double serverRssMiB = 0; // the highest sum over the server's processes
    std::string firstError;
};

// doItem(worker, k, error) performs item k on the worker's own state; false = failed item.
using ItemFunction = std::function<bool(int worker, int item, std::string& error)>;

RunResult run(const RunOptions& options, const ItemFunction& doItem);

std::vector<pid_t> parsePids(const std::string& list);

} // namespace certgate::bench
