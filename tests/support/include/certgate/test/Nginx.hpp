#pragma once

#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/TempDir.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace certgate::test {

/// A real nginx (Debian's, as `scripts/install-deps.sh --test` installs it) run without the
/// system's configuration: `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log`, one worker, its
/// pid file, temp folders, error log and access log (with the upstream each request went to)
/// in DIR. Stopped with SIGTERM (a fast shutdown that ends the worker too) on destruction.
class Nginx {
public:
    /// `httpConfig` is the text inside http {}; `port` is one of its 127.0.0.1 listen ports,
    /// waited for by start().
    Nginx(const std::string& httpConfig, std::uint16_t port);
    ~Nginx();
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

    /// Starts nginx and waits (bounded) until it accepts on the port; throws with its error
    /// log otherwise.
    void start();
    void stop();
    std::string errorLog() const;
    /// One line per request: `METHOD PATH STATUS UPSTREAM` (UPSTREAM as nginx's
    /// $upstream_addr: "127.0.0.1:N", or "A, B" when it moved on from A to B).
    std::string accessLog() const;
    const std::string& dir() const { return dir_.path(); }

    /// A TCP port on 127.0.0.1 that nothing listened on a moment ago (the kernel's choice).
    static std::uint16_t freePort();

private:
    TempDir dir_;
    std::uint16_t port_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace certgate::test
