#pragma once

#include <chrono>
#include <cstddef>

namespace certgate::net {

/// What one server holds open and for how long. Defaults suit the bureau's portal; the agent
/// passes smaller ones (Limits::forAgent()).
struct Limits {
    using Millis = std::chrono::milliseconds;

    /// Open connections in total; capped again by the process's descriptor limit.
    std::size_t maxConnections = 4096;
    /// Open connections from one peer address (exempt addresses aside).
    std::size_t maxConnectionsPerAddress = 256;
    /// Above this many open connections the server is "under pressure": idle keep-alive and
    /// unfinished requests get `pressureIdleTimeout` instead of their normal deadlines.
    /// 0 = three quarters of maxConnections.
    std::size_t pressureConnections = 0;

    Millis handshakeTimeout { 5000 }; ///< TCP accept to TLS handshake done
    Millis idleTimeout { 15000 }; ///< waiting for the first byte of a request
    Millis headerTimeout { 10000 }; ///< first byte to the end of the headers
    Millis bodyTimeout { 20000 }; ///< end of headers to the end of the body
    Millis writeTimeout { 20000 }; ///< one answer written out
    Millis pressureIdleTimeout { 1000 };

    std::size_t maxHeaderBytes = 16 * 1024;
    std::size_t maxBodyBytes = 256 * 1024;

    std::size_t ioThreads = 0; ///< 0 = min(2, cores)
    std::size_t workerThreads = 16; ///< handlers running at once (card checks, database)
    std::size_t maxQueuedRequests = 256; ///< complete requests waiting for a worker

    int logIntervalSeconds = 10; ///< at most one "refused or cut" summary line per interval

    std::size_t effectivePressure() const
    {
        return pressureConnections ? pressureConnections : maxConnections / 4 * 3;
    }

    /// The card agent: one user's browser, a handful of connections.
    static Limits forAgent()
    {
        Limits l;
        l.maxConnections = 256;
        l.maxConnectionsPerAddress = 256;
        l.pressureConnections = 32;
        l.ioThreads = 1;
        l.workerThreads = 4;
        l.maxQueuedRequests = 32;
        l.maxBodyBytes = 64 * 1024;
        return l;
    }
};

} // namespace certgate::net
