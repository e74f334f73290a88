#pragma once

#include "ConnectionRegistry.hpp"

#include <certgate/net/HttpEngine.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <atomic>
#include <optional>

namespace certgate::net {

/// What every connection of one engine shares.
struct EngineCore {
    EngineCore(EngineOptions engineOptions, Handler requestHandler);

    // Declared before the I/O context and the pool: their pending handlers hold sessions,
    // which use these when destroyed.
    EngineOptions options;
    Handler handler;
    std::optional<boost::asio::ssl::context> tls;
    ConnectionRegistry registry;
    std::array<std::atomic<std::uint64_t>, kCounterCount> counters {};
    std::atomic<std::size_t> inFlight { 0 }; ///< requests queued for or running on a worker
    std::atomic<bool> stopping { false };
    boost::asio::io_context io;
    boost::asio::thread_pool workers;

    void count(Counter counter, std::uint64_t n = 1)
    {
        counters[static_cast<std::size_t>(counter)].fetch_add(n, std::memory_order_relaxed);
    }
    /// The answer the engine gives by itself: the app's body, the engine's status and headers.
    Response refusal(Refusal kind) const;
    /// Runs one request through the handler, catching whatever escapes it.
    Response handle(Request& request) const;
    bool queueFull() const
    {
        return inFlight.load() >= options.limits.workerThreads + options.limits.maxQueuedRequests;
    }
};

} // namespace certgate::net
