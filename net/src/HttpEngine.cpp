#include "EngineCore.hpp"
#include "Session.hpp"
#include "TlsContext.hpp"

#include <certgate/net/HttpEngine.hpp>

#include <Poco/Logger.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>

namespace certgate::net {

namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

/// Raises the descriptor limit to the hard limit; returns the connections that fit in it
/// (a reserve kept for the database, files and logs).
std::size_t connectionsThatFit(std::size_t wanted)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    constexpr rlim_t reserve = 128;
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur <= reserve)
        return wanted;
    return std::min<std::size_t>(wanted, static_cast<std::size_t>(limit.rlim_cur - reserve));
}

// The connections a server refused or cut are what an operator looks for when clients say
// "it hangs": they get one line per interval, with what changed since the last one.
constexpr std::array kReported { Counter::RefusedConnectionLimit, Counter::EvictedIdle,
    Counter::ClosedUnderPressure, Counter::HandshakeTimeouts, Counter::HandshakeFailures,
    Counter::HeaderTimeouts, Counter::BodyTimeouts, Counter::WriteTimeouts, Counter::BadRequests,
    Counter::Overloaded, Counter::AcceptFailures };

} // namespace

struct HttpEngine::Impl {
    Impl(EngineOptions options, Handler handler)
        : core(std::move(options), std::move(handler))
        , acceptor(asio::make_strand(core.io))
        , sweeper(core.io)
        , retry(acceptor.get_executor())
    {
    }

    void accept()
    {
        acceptor.async_accept(
            asio::make_strand(core.io), [this](beast::error_code ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted || core.stopping)
                    return;
                if (ec) {
                    // Out of descriptors: wait a moment (connections are closing) and go on.
                    core.count(Counter::AcceptFailures);
                    retry.expires_after(std::chrono::milliseconds(50));
                    retry.async_wait([this](beast::error_code wec) {
                        if (!wec)
                            accept();
                    });
                    return;
                }
                core.count(Counter::Accepted);
                beast::error_code peerError;
                auto peer = socket.remote_endpoint(peerError).address().to_string();
                socket.set_option(tcp::no_delay(true), peerError);
                if (core.tls)
                    launch<TlsStream>(std::move(socket), std::move(peer));
                else
                    launch<PlainStream>(std::move(socket), std::move(peer));
                accept();
            });
    }

    template <class Stream> void launch(tcp::socket&& socket, std::string peer)
    {
        auto session = std::make_shared<Session<Stream>>(core, std::move(socket), std::move(peer));
        session->admit();
        session->start();
    }

    void sweep()
    {
        sweeper.expires_after(std::chrono::milliseconds(250));
        sweeper.async_wait([this](beast::error_code ec) {
            if (ec || core.stopping)
                return;
            if (auto closed = core.registry.sweep())
                core.count(Counter::ClosedUnderPressure, closed);
            report(false);
            sweep();
        });
    }

    void report(bool final)
    {
        auto now = Clock::now();
        if (!final
            && now - lastReport < std::chrono::seconds(core.options.limits.logIntervalSeconds))
            return;
        std::ostringstream line;
        for (auto counter : kReported) {
            auto index = static_cast<std::size_t>(counter);
            auto value = core.counters[index].load();
            if (value != reported[index])
                line << (line.tellp() > 0 ? ", " : "") << counterName(counter) << " "
                     << value - reported[index];
            reported[index] = value;
        }
        if (line.tellp() == 0)
            return;
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - lastReport).count();
        lastReport = now;
        Poco::Logger::get(core.options.loggerName)
            .warning("connections refused or cut in the last %Lds: %s (open now %z)",
                static_cast<Poco::Int64>(seconds), line.str(), core.registry.open());
    }

    EngineCore core;
    tcp::acceptor acceptor;
    asio::steady_timer sweeper;
    asio::steady_timer retry;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool started = false;
    Clock::time_point lastReport = Clock::now() - std::chrono::hours(1);
    std::array<std::uint64_t, kCounterCount> reported {};
};

HttpEngine::HttpEngine(EngineOptions options, Handler handler)
{
    options.limits.maxConnections = connectionsThatFit(options.limits.maxConnections);
    impl_ = std::make_unique<Impl>(std::move(options), std::move(handler));
}

HttpEngine::~HttpEngine()
{
    stop();
}

void HttpEngine::start()
{
    auto& core = impl_->core;
    const auto& o = core.options;
    if (o.tls)
        core.tls.emplace(makeTlsContext(*o.tls));
    beast::error_code ec;
    auto address = asio::ip::make_address(o.host, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + o.host + ": not an IP address");
    tcp::endpoint endpoint(address, o.port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use)
        throw AddressInUse(
            "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
    if (ec)
        throw std::runtime_error(
            "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
    impl_->port = acceptor.local_endpoint().port();
    impl_->accept();
    impl_->sweep();
    auto threads = o.limits.ioThreads
        ? o.limits.ioThreads
        : std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 2);
    for (std::size_t i = 0; i < threads; ++i)
        impl_->threads.emplace_back([this] { impl_->core.io.run(); });
    impl_->started = true;
}

void HttpEngine::stop()
{
    if (!impl_ || !impl_->started)
        return;
    impl_->started = false;
    auto& core = impl_->core;
    core.stopping = true;
    asio::post(impl_->acceptor.get_executor(), [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
        impl_->retry.cancel();
    });
    asio::post(core.io, [this] { impl_->sweeper.cancel(); });
    core.registry.closeAll();
    // Requests already on a worker finish; their answers find closed sockets.
    core.workers.join();
    // Connections refused at a cap are not registered and end by their own deadlines: give
    // them a moment, then stop the loop (their handlers are dropped with it).
    std::mutex mutex;
    std::condition_variable joined;
    bool done = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!joined.wait_for(lock, std::chrono::seconds(3), [&] { return done; }))
            core.io.stop();
    });
    for (auto& thread : impl_->threads)
        thread.join();
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    joined.notify_one();
    watchdog.join();
    impl_->threads.clear();
    impl_->report(true);
}

std::uint16_t HttpEngine::port() const
{
    return impl_->port;
}

bool HttpEngine::secure() const
{
    return impl_->core.options.tls.has_value();
}

EngineStats HttpEngine::stats() const
{
    EngineStats stats;
    for (std::size_t i = 0; i < kCounterCount; ++i)
        stats.counts[i] = impl_->core.counters[i].load();
    stats.open = impl_->core.registry.open();
    return stats;
}

} // namespace certgate::net
