#include <certgate/test/Nginx.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace certgate::test {
namespace {

std::string readAll(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

sockaddr_in loopback(std::uint16_t port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool accepts(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    auto address = loopback(port);
    const bool connected
        = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

std::string nginxProgram()
{
    return std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
}

} // namespace

Nginx::Nginx(const std::string& httpConfig, std::uint16_t port)
    : dir_("certgate-nginx")
    , port_(port)
{
    const auto& d = dir_.path();
    std::filesystem::create_directories(d + "/tmp");
    std::ostringstream conf;
    // As root, nginx would run its worker as `nobody`, which cannot read the test's files.
    if (::geteuid() == 0)
        conf << "user root;\n";
    conf << "worker_processes 1;\n"
         << "pid " << d << "/nginx.pid;\n"
         << "error_log " << d << "/error.log notice;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n"
         << "    log_format upstreams '$request_method $uri $status $upstream_addr';\n"
         << "    access_log " << d << "/access.log upstreams;\n";
    for (const char* temp : { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        conf << "    " << temp << "_temp_path " << d << "/tmp/" << temp << ";\n";
    conf << httpConfig << "\n}\n";
    std::ofstream(d + "/nginx.conf") << conf.str();
}

Nginx::~Nginx()
{
    stop();
}

void Nginx::start()
{
    const auto& d = dir_.path();
    process_ = std::make_unique<ChildProcess>(nginxProgram(),
        std::vector<std::string> {
            "-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/error.log", "-g", "daemon off;" });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!accepts(port_)) {
        if (!process_->running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("nginx did not start listening on 127.0.0.1:"
                + std::to_string(port_) + ":\n" + process_->output() + errorLog());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void Nginx::stop()
{
    if (!process_)
        return;
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(10));
    process_.reset();
}

std::string Nginx::errorLog() const
{
    return readAll(dir_.file("error.log"));
}

std::string Nginx::accessLog() const
{
    return readAll(dir_.file("access.log"));
}

std::uint16_t Nginx::freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error("socket() failed");
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace certgate::test
