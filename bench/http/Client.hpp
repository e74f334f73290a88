// TLS client pieces of the HTTP login benchmark: blocking sockets with timeouts (one thread per
// connection), a minimal HTTP/1.1 response reader, and the counters every connection reports to.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace certgate::bench {

// Counted over the whole run; a connection that never received a byte is a failed connection.
struct ConnectionStats {
    std::atomic<std::uint64_t> opened { 0 };
    std::atomic<std::uint64_t> noByte { 0 };
    std::atomic<std::uint64_t> resumed { 0 };
    std::atomic<std::uint64_t> reconnects { 0 };
};

struct Target {
    std::string host = "127.0.0.1";
    int port = 0;
    int timeoutMs = 10000;
};

struct Response {
    int status = 0;
    std::string body;
    std::string cookie; // value of the first Set-Cookie (name=value only)
    bool close = false;
};

struct SslCtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtx = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Client context: verifies the server against caFile; resumption on (a browser) or off (every
// connection a full handshake, as the nginx mTLS baseline is measured).
SslCtx makeClientContext(const std::string& caFile, bool resumption);

// One TLS connection. Reports to stats when opened and when it ends without any byte read.
class Connection {
public:
    Connection(SSL_CTX* ctx, const Target& target, ConnectionStats& stats);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // TCP connect and TLS handshake; resumes `session` when given. Optional client certificate.
    bool open(SSL_SESSION* session, X509* cert = nullptr, EVP_PKEY* key = nullptr);
    // Sends a request and reads one response. False on any socket, TLS or parse failure.
    bool exchange(std::string_view request, Response& response);
    bool isOpen() const { return ssl_ != nullptr; }
    bool servedBefore() const { return served_ > 0; }
    // The current session (owned by the caller), to resume on the next connection.
    SSL_SESSION* session() const;
    void close();

private:
    bool readMore();
    bool readResponse(Response& response);

    SSL_CTX* ctx_;
    Target target_;
    ConnectionStats& stats_;
    int fd_ = -1;
    SSL* ssl_ = nullptr;
    bool gotByte_ = false;
    int served_ = 0;
    std::string buffer_;
};

// "key":"value" of a flat JSON string field (the first occurrence); empty when absent.
std::string jsonString(std::string_view json, std::string_view key);
std::string base64(const unsigned char* data, std::size_t size);

} // namespace certgate::bench
