#include <certgate/test/SocketProbes.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace certgate::test {

void prepareForProbes()
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::signal(SIGPIPE, SIG_IGN);
}

namespace {

int connectTo(std::uint16_t port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        auto error = errno;
        ::close(fd);
        throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool readable(int fd, std::chrono::milliseconds wait)
{
    pollfd p { fd, POLLIN, 0 };
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

// EOF or reset: the server closed. Bytes that arrive first are read past.
bool peerClosed(int fd, std::chrono::milliseconds wait)
{
    auto deadline = std::chrono::steady_clock::now() + wait;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (!readable(fd, left))
            return false;
        auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return true;
    }
    return false;
}

} // namespace

RawConnection::RawConnection(std::uint16_t port)
    : fd_(connectTo(port))
{
}

RawConnection::~RawConnection()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool RawConnection::send(const std::string& bytes)
{
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n == static_cast<ssize_t>(bytes.size());
}

std::string RawConnection::receive(std::chrono::milliseconds wait)
{
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (!readable(fd_, left))
            break;
        auto n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0)
            break;
        out.append(buffer, static_cast<std::size_t>(n));
        if (out.find("\r\n\r\n") != std::string::npos)
            wait = std::chrono::milliseconds(50); // the rest of a small answer, if any
        deadline = std::min(deadline, std::chrono::steady_clock::now() + wait);
    }
    return out;
}

bool RawConnection::closedByPeer(std::chrono::milliseconds wait)
{
    return peerClosed(fd_, wait);
}

struct IdleTlsConnection::State {
    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    ~State()
    {
        if (ssl)
            SSL_free(ssl);
        if (ctx)
            SSL_CTX_free(ctx);
        if (fd >= 0)
            ::close(fd);
    }
};

IdleTlsConnection::IdleTlsConnection(std::uint16_t port, const std::string& request)
    : state_(std::make_unique<State>())
{
    state_->fd = connectTo(port);
    state_->ctx = SSL_CTX_new(TLS_client_method());
    state_->ssl = SSL_new(state_->ctx);
    SSL_set_fd(state_->ssl, state_->fd);
    if (SSL_connect(state_->ssl) != 1)
        throw std::runtime_error("TLS handshake with the server failed");
    if (request.empty())
        return;
    if (!write(request))
        throw std::runtime_error("TLS write failed");
    std::string answer;
    char buffer[4096];
    std::smatch length;
    static const std::regex contentLength("[Cc]ontent-[Ll]ength: *([0-9]+)");
    while (true) {
        auto header = answer.find("\r\n\r\n");
        if (header != std::string::npos && std::regex_search(answer, length, contentLength)
            && answer.size() >= header + 4 + std::stoul(length[1].str()))
            break;
        auto n = SSL_read(state_->ssl, buffer, sizeof buffer);
        if (n <= 0)
            break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    if (answer.rfind("HTTP/1.1 ", 0) == 0)
        status_ = std::stoi(answer.substr(9, 3));
}

IdleTlsConnection::~IdleTlsConnection() = default;

bool IdleTlsConnection::write(const std::string& bytes)
{
    return SSL_write(state_->ssl, bytes.data(), static_cast<int>(bytes.size())) > 0;
}

bool IdleTlsConnection::closedByPeer(std::chrono::milliseconds wait)
{
    return peerClosed(state_->fd, wait);
}

std::string clientHello()
{
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out); // ssl owns both
    SSL_connect(ssl); // wants to read the ServerHello: the ClientHello is in `out`
    char* data = nullptr;
    auto size = BIO_get_mem_data(out, &data);
    std::string hello(data, static_cast<std::size_t>(size));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return hello;
}

Trickler::Trickler(
    std::vector<Sender> senders, std::string payload, std::chrono::milliseconds interval)
{
    thread_
        = std::thread([this, senders = std::move(senders), payload = std::move(payload), interval] {
              std::vector<bool> open(senders.size(), true);
              for (std::size_t at = 0; at < payload.size() && !stop_; ++at) {
                  for (std::size_t i = 0; i < senders.size(); ++i) {
                      if (open[i] && !senders[i](std::string(1, payload[at]))) {
                          open[i] = false;
                          ++closed_;
                      }
                  }
                  auto until = std::chrono::steady_clock::now() + interval;
                  while (!stop_ && std::chrono::steady_clock::now() < until)
                      std::this_thread::sleep_for(std::chrono::milliseconds(20));
              }
          });
}

Trickler::~Trickler()
{
    stop_ = true;
    thread_.join();
}

} // namespace certgate::test
