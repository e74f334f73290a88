#pragma once
// What an attacker (or a crowd of browsers) does to a server's door, over real sockets on
// 127.0.0.1: connections that send nothing, TLS connections held idle after one request, and
// clients that trickle their TLS handshake or their headers a byte at a time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace certgate::test {

/// Raises this process's descriptor limit to the hard limit (probes hold thousands of sockets)
/// and ignores SIGPIPE (a probe writes to connections the server has closed).
void prepareForProbes();

/// A TCP connection to 127.0.0.1:port, held until destroyed.
class RawConnection {
public:
    explicit RawConnection(std::uint16_t port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    /// False when the peer has closed (EPIPE / ECONNRESET).
    bool send(const std::string& bytes);
    /// Waits up to `wait` for bytes; returns what came (empty if nothing).
    std::string receive(std::chrono::milliseconds wait);
    /// True when the server closed the connection within `wait` (EOF or reset).
    bool closedByPeer(std::chrono::milliseconds wait);
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

/// A TLS connection (no certificate check: the probes test the door, not the trust) that has
/// made one keep-alive request (none when `request` is empty) and then holds the connection.
class IdleTlsConnection {
public:
    IdleTlsConnection(std::uint16_t port, const std::string& request);
    ~IdleTlsConnection();
    IdleTlsConnection(const IdleTlsConnection&) = delete;
    IdleTlsConnection& operator=(const IdleTlsConnection&) = delete;

    /// Sends application data; false when the connection is gone.
    bool write(const std::string& bytes);
    /// The status of the first answer (0 if none came).
    int firstStatus() const { return status_; }
    /// True when the server closed the connection within `wait`.
    bool closedByPeer(std::chrono::milliseconds wait);

private:
    struct State;
    std::unique_ptr<State> state_;
    int status_ = 0;
};

/// The bytes a TLS client sends first (a real ClientHello from OpenSSL).
std::string clientHello();

/// Sends `payload` one byte per `interval` through each sender (false = the connection is
/// gone), from a thread, until destroyed or the payload is used up.
class Trickler {
public:
    using Sender = std::function<bool(const std::string&)>;
    Trickler(std::vector<Sender> senders, std::string payload,
        std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    ~Trickler();
    /// Connections the server has closed so far (a send failed or EOF was read).
    std::size_t closed() const { return closed_.load(); }

private:
    std::atomic<bool> stop_ { false };
    std::atomic<std::size_t> closed_ { 0 };
    std::thread thread_;
};

/// Milliseconds `action` took.
template <class Action> long long millisecondsOf(Action&& action)
{
    auto started = std::chrono::steady_clock::now();
    action();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started)
        .count();
}

} // namespace certgate::test
