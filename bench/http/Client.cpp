#include "Client.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace certgate::bench {

SslCtx makeClientContext(const std::string& caFile, bool resumption)
{
    SslCtx ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), caFile.c_str(), nullptr) != 1)
        throw std::runtime_error("cannot load the TLS CA " + caFile);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (resumption) {
        SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);
    } else {
        SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    }
    return ctx;
}

Connection::Connection(SSL_CTX* ctx, const Target& target, ConnectionStats& stats)
    : ctx_(ctx)
    , target_(target)
    , stats_(stats)
{
}

Connection::~Connection()
{
    close();
}

void Connection::close()
{
    if (fd_ < 0)
        return;
    if (!gotByte_)
        stats_.noByte++;
    if (ssl_) {
        SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    ::close(fd_);
    fd_ = -1;
    buffer_.clear();
    served_ = 0;
}

bool Connection::open(SSL_SESSION* session, X509* cert, EVP_PKEY* key)
{
    close();
    gotByte_ = false;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        return false;
    stats_.opened++;
    timeval tv { target_.timeoutMs / 1000, (target_.timeoutMs % 1000) * 1000 };
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(target_.port));
    inet_pton(AF_INET, target_.host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return false;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (session)
        SSL_set_session(ssl_, session);
    if (cert && key && (SSL_use_certificate(ssl_, cert) != 1 || SSL_use_PrivateKey(ssl_, key) != 1))
        throw std::runtime_error("cannot use the client certificate");
    if (SSL_connect(ssl_) != 1) {
        ERR_clear_error();
        return false;
    }
    // The server's Finished is a byte received: a connection that completed the handshake was
    // served by the server's TLS layer at least.
    gotByte_ = true;
    if (SSL_session_reused(ssl_))
        stats_.resumed++;
    return true;
}

SSL_SESSION* Connection::session() const
{
    return ssl_ ? SSL_get1_session(ssl_) : nullptr;
}

bool Connection::readMore()
{
    char chunk[16384];
    int n = SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) {
        ERR_clear_error();
        return false;
    }
    gotByte_ = true;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

namespace {

bool headerIs(std::string_view line, std::string_view name, std::string_view& value)
{
    if (line.size() <= name.size() || line[name.size()] != ':'
        || strncasecmp(line.data(), name.data(), name.size()) != 0)
        return false;
    value = line.substr(name.size() + 1);
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    return true;
}

} // namespace

bool Connection::readResponse(Response& response)
{
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!readMore())
            return false;
    std::string_view head(buffer_.data(), end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/")
        return false;
    response = Response {};
    response.status = std::atoi(std::string(head.substr(9, 3)).c_str());
    long length = -1;
    bool chunked = false;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
        auto next = head.find("\r\n", pos + 2);
        auto line
            = head.substr(pos + 2, next == std::string_view::npos ? head.npos : next - pos - 2);
        std::string_view value;
        if (headerIs(line, "Content-Length", value))
            length = std::atol(std::string(value).c_str());
        else if (headerIs(line, "Transfer-Encoding", value))
            chunked = value.find("chunked") != std::string_view::npos;
        else if (headerIs(line, "Connection", value))
            response.close = strncasecmp(value.data(), "close", 5) == 0;
        else if (headerIs(line, "Set-Cookie", value) && response.cookie.empty())
            response.cookie = std::string(value.substr(0, value.find(';')));
        pos = next;
    }
    std::size_t at = end + 4;
    if (chunked) {
        for (;;) {
            std::size_t eol;
            while ((eol = buffer_.find("\r\n", at)) == std::string::npos)
                if (!readMore())
                    return false;
            auto size = std::strtoul(buffer_.substr(at, eol - at).c_str(), nullptr, 16);
            while (buffer_.size() < eol + 2 + size + 2)
                if (!readMore())
                    return false;
            response.body.append(buffer_, eol + 2, size);
            at = eol + 2 + size + 2;
            if (size == 0)
                break;
        }
    } else if (length >= 0) {
        while (buffer_.size() < at + static_cast<std::size_t>(length))
            if (!readMore())
                return false;
        response.body.assign(buffer_, at, static_cast<std::size_t>(length));
        at += static_cast<std::size_t>(length);
    } else {
        while (readMore()) { }
        response.body.assign(buffer_, at);
        at = buffer_.size();
        response.close = true;
    }
    buffer_.erase(0, at);
    return true;
}

bool Connection::exchange(std::string_view request, Response& response)
{
    if (!ssl_)
        return false;
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
        ERR_clear_error();
        return false;
    }
    if (!readResponse(response))
        return false;
    served_++;
    if (response.close)
        close();
    return true;
}

std::string jsonString(std::string_view json, std::string_view key)
{
    std::string needle = "\"" + std::string(key) + "\":\"";
    auto at = json.find(needle);
    if (at == std::string_view::npos)
        return {};
    at += needle.size();
    auto end = json.find('"', at);
    return end == std::string_view::npos ? std::string {} : std::string(json.substr(at, end - at));
}

std::string base64(const unsigned char* data, std::size_t size)
{
    std::string out(4 * ((size + 2) / 3), '\0');
    int n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

} // namespace certgate::bench
