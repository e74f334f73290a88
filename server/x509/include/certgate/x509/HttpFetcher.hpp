#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace certgate::x509 {

struct HttpResponse {
    int status = 0;
    std::string contentType;
    std::vector<std::uint8_t> body;
};

/// A fetch that did not produce a response: bad URL, name resolution, connection refused,
/// timeout, oversize or garbled answer.
class HttpError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Port for the few HTTP requests revocation checking makes (CRL download, OCSP POST).
/// Implementations are called from many threads at once and must be thread-safe. `timeoutMs`
/// bounds the whole exchange, not each socket operation. Non-2xx statuses are returned, not
/// thrown; everything else that goes wrong throws HttpError.
class HttpFetcher {
public:
    virtual ~HttpFetcher() = default;
    virtual HttpResponse get(const std::string& url, int timeoutMs) const = 0;
    virtual HttpResponse post(const std::string& url, std::span<const std::uint8_t> body,
        const std::string& contentType, int timeoutMs) const = 0;
};

/// Plain-HTTP fetcher on POCO sockets. Speaks HTTP/1.0 with `Connection: close` (as OpenSSL's
/// own OCSP client does), so the answer is simply everything until the server closes; that
/// keeps one deadline over connect, send and every read. Only `http://` URLs: CRLs and OCSP
/// answers are signed, and RFC 5280 §4.2.1.13 / RFC 6960 §A.1 expect plain HTTP.
/// Name resolution is under the same deadline: the lookup runs on a helper thread that the
/// fetch stops waiting for when time runs out (the system resolver cannot be cancelled, so a
/// lookup that hangs finishes on its own; while kMaxHangingLookups are abandoned that way,
/// further fetches by name fail at once). IP literals are not looked up.
class PocoHttpFetcher final : public HttpFetcher {
public:
    static constexpr std::size_t kDefaultMaxResponseBytes = 64 * 1024 * 1024;
    static constexpr int kMaxHangingLookups = 16;

    /// Host name and port to one IPv4/IPv6 address "host:port" or "[v6]:port"; throws on
    /// failure. The default is the system resolver (getaddrinfo through POCO).
    using Resolver = std::function<std::string(const std::string& host, std::uint16_t port)>;

    explicit PocoHttpFetcher(
        std::size_t maxResponseBytes = kDefaultMaxResponseBytes, Resolver resolver = {});

    HttpResponse get(const std::string& url, int timeoutMs) const override;
    HttpResponse post(const std::string& url, std::span<const std::uint8_t> body,
        const std::string& contentType, int timeoutMs) const override;

private:
    std::size_t maxResponseBytes_;
    Resolver resolver_;
};

} // namespace certgate::x509
