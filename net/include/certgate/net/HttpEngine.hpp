#pragma once

#include <certgate/net/Limits.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certgate::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One complete request, as read off the connection before any handler runs.
struct Request {
    std::string method;
    std::string target; ///< as sent: path and query
    Headers headers; ///< in the order received
    std::string body;
    std::string peer; ///< the remote address, e.g. "127.0.0.1"
    bool secure = false;
    /// The declared or received body exceeded the limit: `body` is empty and the connection
    /// closes after the answer (which the handler chooses, normally 413).
    bool bodyTooLarge = false;

    /// The first header of that name (case-insensitive), or "".
    std::string header(std::string_view name) const;
    bool hasHeader(std::string_view name) const;
};

struct Response {
    int status = 200;
    Headers headers; ///< repeated names allowed (Set-Cookie)
    std::string body;
    bool close = false; ///< end the connection after this answer
};

/// What the engine answers by itself, before or instead of a handler.
enum class Refusal {
    Overloaded, ///< every worker busy and the queue full: 503 + Retry-After
    ConnectionLimit, ///< the total or per-address cap, nothing idle to close: 503
    BadRequest, ///< not HTTP/1.x: 400
    HeaderTooLarge, ///< request line + headers above the limit: 431
};

/// Runs on a worker thread, one complete request at a time; must not throw (the engine answers
/// 500 for whatever escapes).
using Handler = std::function<void(Request&, Response&)>;
/// Builds the body of an answer the engine gives by itself (status already chosen).
using RefusalBody = std::function<Response(Refusal)>;

struct TlsSettings {
    std::string certificate; ///< PEM file (chain)
    std::string privateKey; ///< PEM file
    /// TLS 1.2 suites (OpenSSL names); default: Mozilla "intermediate" minus DHE — ECDHE with
    /// AES-GCM or ChaCha20-Poly1305 only. TLS 1.3 suites are OpenSSL's defaults (all AEAD).
    std::string ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    std::string minVersion = "TLSv1.2"; ///< "TLSv1.2" or "TLSv1.3"
};

struct EngineOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; ///< 0 = any free port
    std::optional<TlsSettings> tls;
    Limits limits;
    /// Peers exempt from the per-address cap (the bureau's reverse proxies).
    std::vector<std::string> exemptAddresses;
    std::string loggerName = "certgate.net";
    RefusalBody refusalBody; ///< empty = a small JSON body with an English message
    /// Requests may carry a secret (the agent's PIN): the read buffer is wiped after each one.
    bool wipeBuffers = false;
};

/// Counters since start. Every refused or cut connection lands in exactly one of them; the
/// names are those of the log line and the metrics.
enum class Counter : std::size_t {
    Accepted, ///< connections accepted
    Requests, ///< complete requests handed to the handler
    RefusedConnectionLimit, ///< 503 at a cap with nothing idle to close
    EvictedIdle, ///< idle or unfinished connections closed to make room at a cap
    ClosedUnderPressure, ///< idle past the short timeout while under pressure
    HandshakeTimeouts,
    HandshakeFailures, ///< TLS errors: not TLS, no common suite or version...
    HeaderTimeouts, ///< a request begun, its headers not complete in time
    BodyTimeouts,
    WriteTimeouts,
    BadRequests, ///< 400 (not HTTP/1.x) and 431 (headers too large)
    Overloaded, ///< 503: every worker busy and the queue full
    IdleClosed, ///< no request within the idle timeout (normal for keep-alive)
    AcceptFailures, ///< accept() failed: descriptors exhausted
};
inline constexpr std::size_t kCounterCount = 14;
std::string_view counterName(Counter counter);

struct EngineStats {
    std::array<std::uint64_t, kCounterCount> counts {};
    std::uint64_t open = 0; ///< connections open now
    std::uint64_t operator[](Counter c) const { return counts[static_cast<std::size_t>(c)]; }
};

/// An HTTP/1.1 server on an event loop (Boost.Beast on Asio): a few I/O threads own every
/// socket through TLS handshake, headers and body, each phase under a deadline; complete
/// requests only go to a bounded pool of worker threads. An idle or slow connection therefore
/// costs a socket and a buffer, never a thread. Connections are capped in total and per peer
/// address; at a cap, or under pressure, the connections that have been idle or unfinished
/// longest are closed first, and only when none is a new connection refused with 503.
/// Refused and cut connections are counted (stats()) and logged, at most one line per
/// `limits.logIntervalSeconds`.
/// The listening address is taken by another program (EADDRINUSE).
class AddressInUse : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class HttpEngine {
public:
    HttpEngine(EngineOptions options, Handler handler);
    ~HttpEngine();
    HttpEngine(const HttpEngine&) = delete;
    HttpEngine& operator=(const HttpEngine&) = delete;

    /// Binds and listens; throws std::runtime_error naming the address when it cannot
    /// (AddressInUse when another program holds it).
    void start();
    /// Stops accepting, closes every connection, waits for running handlers; idempotent.
    void stop();
    std::uint16_t port() const;
    bool secure() const;
    EngineStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace certgate::net
