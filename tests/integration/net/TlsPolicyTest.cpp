// The engine's TLS policy (Mozilla "intermediate" without DHE): TLS 1.2 with ECDHE + AEAD
// and TLS 1.3 only; every suite without forward secrecy or with CBC is refused, as are TLS 1.0
// and 1.1. A browser resumes its session.

#include <certgate/net/HttpEngine.hpp>
#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/SocketProbes.hpp>
#include <certgate/test/TempDir.hpp>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace certgate::net;

namespace {

struct Outcome {
    bool connected = false;
    std::string cipher;
    bool resumed = false;
    SSL_SESSION* session = nullptr; ///< owned by the caller when set
};

Outcome handshake(
    std::uint16_t port, int maxVersion, const std::string& ciphers, SSL_SESSION* resume = nullptr)
{
    Outcome outcome;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return outcome;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(ctx, 0); // let the client offer what the server must refuse
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, maxVersion);
    if (!ciphers.empty())
        SSL_CTX_set_cipher_list(ctx, ciphers.c_str());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (resume)
        SSL_set_session(ssl, resume);
    if (SSL_connect(ssl) == 1) {
        outcome.connected = true;
        outcome.cipher = SSL_get_cipher_name(ssl);
        outcome.resumed = SSL_session_reused(ssl) == 1;
        // TLS 1.3 tickets arrive after the handshake, beside the answer to a request: read
        // until the line is quiet for 200 ms.
        std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        SSL_write(ssl, request.data(), static_cast<int>(request.size()));
        char buffer[1024];
        pollfd readable { fd, POLLIN, 0 };
        while ((SSL_pending(ssl) > 0 || ::poll(&readable, 1, 200) > 0)
            && SSL_read(ssl, buffer, sizeof buffer) > 0) { }
        outcome.session = SSL_get1_session(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
    return outcome;
}

class TlsPolicyTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        certgate::test::prepareForProbes();
        EngineOptions options;
        TlsSettings tls;
        tls.certificate = std::string(CERTGATE_TEST_PKI_DIR) + "/tls/portal.pem";
        tls.privateKey = std::string(CERTGATE_TEST_PKI_DIR) + "/tls/portal.key";
        options.tls = tls;
        engine_ = std::make_unique<HttpEngine>(
            options, [](Request&, Response& response) { response.body = "ok"; });
        engine_->start();
    }

    std::unique_ptr<HttpEngine> engine_;
};

TEST_F(TlsPolicyTest, Tls13AndTls12WithEcdheAndAeadAreAccepted)
{
    auto modern = handshake(engine_->port(), TLS1_3_VERSION, "");
    EXPECT_TRUE(modern.connected);
    SSL_SESSION_free(modern.session);
    for (const auto* suite : { "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
             "ECDHE-RSA-CHACHA20-POLY1305" }) {
        auto outcome = handshake(engine_->port(), TLS1_2_VERSION, suite);
        EXPECT_TRUE(outcome.connected) << suite;
        EXPECT_EQ(outcome.cipher, suite);
        SSL_SESSION_free(outcome.session);
    }
}

TEST_F(TlsPolicyTest, SuitesWithoutForwardSecrecyOrWithCbcAreRefused)
{
    for (const auto* suite : { "AES128-SHA", "AES256-SHA256", "CAMELLIA256-SHA",
             "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
             "DHE-RSA-AES128-GCM-SHA256", "DES-CBC3-SHA" }) {
        auto outcome = handshake(engine_->port(), TLS1_2_VERSION, suite);
        EXPECT_FALSE(outcome.connected) << suite << " was accepted";
        if (outcome.session)
            SSL_SESSION_free(outcome.session);
    }
}

TEST_F(TlsPolicyTest, Tls10And11AreRefused)
{
    EXPECT_FALSE(handshake(engine_->port(), TLS1_VERSION, "ALL:@SECLEVEL=0").connected);
    EXPECT_FALSE(handshake(engine_->port(), TLS1_1_VERSION, "ALL:@SECLEVEL=0").connected);
}

// A real TLS client (openssl s_client) keeps the session of its first connection and offers
// it on the second, as a browser does; TLS 1.3 tickets arrive after the handshake.
TEST_F(TlsPolicyTest, AClientResumesItsSession)
{
    certgate::test::TempDir dir;
    auto port = "127.0.0.1:" + std::to_string(engine_->port());
    for (const std::string version : { "-tls1_2", "-tls1_3" }) {
        auto session = dir.path() + "/session" + version;
        auto request = std::string("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        auto first = certgate::test::run("openssl",
            { "s_client", "-connect", port, version, "-sess_out", session, "-ign_eof" }, {},
            request, std::chrono::seconds(3));
        EXPECT_NE(first.output.find("New, TLSv1."), std::string::npos) << first.output;
        auto second = certgate::test::run("openssl",
            { "s_client", "-connect", port, version, "-sess_in", session, "-ign_eof" }, {}, request,
            std::chrono::seconds(3));
        EXPECT_NE(second.output.find("Reused, TLSv1."), std::string::npos)
            << version << ": " << second.output;
    }
}

} // namespace
