#include <certgate/x509/HttpFetcher.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace certgate::x509 {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kMaxTimeoutMs = 60'000;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

class Deadline {
public:
    explicit Deadline(int timeoutMs)
        : end_(
            SteadyClock::now() + std::chrono::milliseconds(std::clamp(timeoutMs, 1, kMaxTimeoutMs)))
    {
    }
    // Remaining time as a Poco::Timespan (microseconds); throws once it has run out.
    Poco::Timespan remaining(const char* during) const
    {
        const auto left
            = std::chrono::duration_cast<std::chrono::microseconds>(end_ - SteadyClock::now());
        if (left.count() <= 0)
            throw HttpError(std::string("timed out ") + during);
        return Poco::Timespan(left.count());
    }

private:
    SteadyClock::time_point end_;
};

// Lookups a fetch stopped waiting for, still running in the system resolver.
std::atomic<int> abandonedLookups { 0 };

struct Lookup {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<std::string> address;
    std::string error;
    bool finished = false;
    bool abandoned = false;
};

Poco::Net::SocketAddress resolve(const PocoHttpFetcher::Resolver& resolver, const std::string& host,
    std::uint16_t port, const Deadline& deadline)
{
    Poco::Net::IPAddress literal;
    if (Poco::Net::IPAddress::tryParse(host, literal))
        return Poco::Net::SocketAddress(literal, port);
    auto wait = deadline.remaining("before looking up the name");
    if (abandonedLookups.load() >= PocoHttpFetcher::kMaxHangingLookups)
        throw HttpError("name lookups are hanging (resolver down?); " + host + " not looked up");
    auto lookup = std::make_shared<Lookup>();
    try {
        std::thread([lookup, resolver, host, port] {
            std::optional<std::string> address;
            std::string error;
            try {
                address = resolver(host, port);
            } catch (const Poco::Exception& e) {
                error = e.displayText();
            } catch (const std::exception& e) {
                error = e.what();
            }
            std::lock_guard lock(lookup->mutex);
            lookup->address = std::move(address);
            lookup->error = std::move(error);
            lookup->finished = true;
            if (lookup->abandoned)
                abandonedLookups.fetch_sub(1);
            lookup->done.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        throw HttpError(std::string("cannot start a name lookup: ") + e.what());
    }
    std::unique_lock lock(lookup->mutex);
    if (!lookup->done.wait_for(lock, std::chrono::microseconds(wait.totalMicroseconds()),
            [&] { return lookup->finished; })) {
        lookup->abandoned = true;
        abandonedLookups.fetch_add(1);
        throw HttpError("timed out looking up " + host);
    }
    if (!lookup->address)
        throw HttpError("cannot look up " + host + ": " + lookup->error);
    try {
        return Poco::Net::SocketAddress(*lookup->address);
    } catch (const Poco::Exception& e) {
        throw HttpError("lookup of " + host + " gave an unusable address: " + e.displayText());
    }
}

std::string systemResolve(const std::string& host, std::uint16_t port)
{
    return Poco::Net::SocketAddress(host, port).toString();
}

void readHeader(const std::string& incoming, std::size_t headerEnd,
    Poco::Net::HTTPResponse& response, const std::string& url)
{
    try {
        std::istringstream headerStream(incoming.substr(0, headerEnd + 4));
        response.read(headerStream);
    } catch (const Poco::Exception& e) {
        throw HttpError("garbled HTTP answer from " + url + ": " + e.displayText());
    }
}

HttpResponse exchange(const PocoHttpFetcher::Resolver& resolver, const std::string& url,
    const std::string& method, std::span<const std::uint8_t> body, const std::string& contentType,
    int timeoutMs, std::size_t maxBytes)
{
    Deadline deadline(timeoutMs);
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception& e) {
        throw HttpError("bad URL " + url + ": " + e.displayText());
    }
    if (uri.getScheme() != "http" || uri.getHost().empty())
        throw HttpError("only http:// URLs are fetched, not " + url);

    Poco::Net::HTTPRequest request(method, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
        Poco::Net::HTTPMessage::HTTP_1_0);
    request.setHost(uri.getHost(), uri.getPort());
    request.set("Connection", "close");
    if (method == Poco::Net::HTTPRequest::HTTP_POST) {
        request.setContentType(contentType);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostringstream head;
    request.write(head);
    std::string outgoing = head.str();
    outgoing.append(body.begin(), body.end());

    std::string incoming;
    std::size_t headerEnd = std::string::npos;
    Poco::Net::HTTPResponse response;
    try {
        const auto address = resolve(resolver, uri.getHost(), uri.getPort(), deadline);
        Poco::Net::StreamSocket socket;
        socket.connect(address, deadline.remaining("connecting"));
        std::size_t sent = 0;
        while (sent < outgoing.size()) {
            if (!socket.poll(deadline.remaining("sending"), Poco::Net::Socket::SELECT_WRITE))
                throw HttpError("timed out sending to " + url);
            const int n = socket.sendBytes(outgoing.data() + sent,
                static_cast<int>(std::min<std::size_t>(outgoing.size() - sent, 64 * 1024)));
            if (n <= 0)
                throw HttpError("connection closed while sending to " + url);
            sent += static_cast<std::size_t>(n);
        }
        char buffer[16 * 1024];
        while (true) {
            if (!socket.poll(
                    deadline.remaining("waiting for the answer"), Poco::Net::Socket::SELECT_READ))
                throw HttpError("timed out waiting for " + url);
            const int n = socket.receiveBytes(buffer, sizeof buffer);
            if (n <= 0)
                break;
            incoming.append(buffer, static_cast<std::size_t>(n));
            if (headerEnd == std::string::npos) {
                headerEnd = incoming.find("\r\n\r\n");
                if (headerEnd == std::string::npos && incoming.size() > kMaxHeaderBytes)
                    throw HttpError("HTTP header from " + url + " is too long");
                if (headerEnd != std::string::npos)
                    readHeader(incoming, headerEnd, response, url);
            }
            if (headerEnd != std::string::npos && response.hasContentLength()
                && incoming.size() - headerEnd - 4
                    >= static_cast<std::size_t>(response.getContentLength64()))
                break; // complete, even if the server keeps the connection open
            if (incoming.size() > maxBytes + kMaxHeaderBytes)
                throw HttpError(
                    "answer from " + url + " exceeds " + std::to_string(maxBytes) + " bytes");
        }
    } catch (const HttpError&) {
        throw;
    } catch (const Poco::Exception& e) {
        throw HttpError(url + ": " + e.displayText());
    }

    if (headerEnd == std::string::npos)
        throw HttpError("no HTTP answer from " + url);
    if (response.getChunkedTransferEncoding())
        throw HttpError("chunked answer to an HTTP/1.0 request from " + url);
    std::string_view payload(incoming);
    payload.remove_prefix(headerEnd + 4);
    if (response.hasContentLength()) {
        const auto length = static_cast<std::size_t>(response.getContentLength64());
        if (payload.size() < length)
            throw HttpError("answer from " + url + " ends early");
        payload = payload.substr(0, length);
    }
    if (payload.size() > maxBytes)
        throw HttpError("answer from " + url + " exceeds " + std::to_string(maxBytes) + " bytes");
    HttpResponse out;
    out.status = static_cast<int>(response.getStatus());
    out.contentType = response.getContentType();
    out.body.assign(payload.begin(), payload.end());
    return out;
}

} // namespace

PocoHttpFetcher::PocoHttpFetcher(std::size_t maxResponseBytes, Resolver resolver)
    : maxResponseBytes_(maxResponseBytes)
    , resolver_(resolver ? std::move(resolver) : Resolver(systemResolve))
{
}

HttpResponse PocoHttpFetcher::get(const std::string& url, int timeoutMs) const
{
    return exchange(
        resolver_, url, Poco::Net::HTTPRequest::HTTP_GET, {}, {}, timeoutMs, maxResponseBytes_);
}

HttpResponse PocoHttpFetcher::post(const std::string& url, std::span<const std::uint8_t> body,
    const std::string& contentType, int timeoutMs) const
{
    return exchange(resolver_, url, Poco::Net::HTTPRequest::HTTP_POST, body, contentType, timeoutMs,
        maxResponseBytes_);
}

} // namespace certgate::x509
