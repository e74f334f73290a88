#include <certgate/x509/HttpFetcher.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

namespace certgate::x509 {
namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(
        Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        const auto& uri = request.getURI();
        if (uri == "/crl") {
            response.setContentType("application/pkix-crl");
            response.send() << std::string("\x30\x03\x02\x01\x07", 5);
        } else if (uri == "/echo" && request.getMethod() == "POST") {
            std::ostringstream body;
            Poco::StreamCopier::copyStream(request.stream(), body);
            response.set("X-Request-Content-Type", request.getContentType());
            response.setContentType("application/ocsp-response");
            response.send() << body.str();
        } else if (uri == "/big") {
            response.setContentType("application/octet-stream");
            response.send() << std::string(2 * 1024 * 1024, 'x');
        } else {
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
            response.send() << "not here";
        }
    }
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler;
    }
};

class PocoHttpFetcherTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory,
            Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)),
            new Poco::Net::HTTPServerParams);
        server_->start();
        base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    }
    void TearDown() override { server_->stopAll(true); }

    PocoHttpFetcher fetcher { 1024 * 1024 };
    std::string base_;

private:
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

TEST_F(PocoHttpFetcherTest, GetsTheBodyStatusAndContentType)
{
    const auto response = fetcher.get(base_ + "/crl", 2000);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.contentType, "application/pkix-crl");
    EXPECT_EQ(response.body, (std::vector<std::uint8_t> { 0x30, 0x03, 0x02, 0x01, 0x07 }));
}

TEST_F(PocoHttpFetcherTest, PostsTheBodyWithItsContentType)
{
    const std::vector<std::uint8_t> body { 0x30, 0x00, 0xFF, 0x00, 0x01 };
    const auto response = fetcher.post(base_ + "/echo", body, "application/ocsp-request", 2000);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, body);
    EXPECT_EQ(response.contentType, "application/ocsp-response");
}

TEST_F(PocoHttpFetcherTest, ReturnsAnErrorStatusInsteadOfThrowing)
{
    const auto response = fetcher.get(base_ + "/nothing", 2000);
    EXPECT_EQ(response.status, 404);
}

TEST_F(PocoHttpFetcherTest, RefusesAnAnswerAboveTheSizeLimit)
{
    EXPECT_THROW(fetcher.get(base_ + "/big", 5000), HttpError);
}

TEST_F(PocoHttpFetcherTest, RefusesUrlsThatAreNotPlainHttp)
{
    for (const std::string url :
        { "https://127.0.0.1/crl", "ftp://example.test/x.crl", "not a url", "http://" })
        EXPECT_THROW(fetcher.get(url, 500), HttpError) << url;
}

TEST_F(PocoHttpFetcherTest, FailsFastOnAClosedPort)
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto url = "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/crl";
    socket.close();
    const auto start = SteadyClock::now();
    EXPECT_THROW(fetcher.get(url, 3000), HttpError);
    EXPECT_LT(SteadyClock::now() - start, 1s);
}

TEST_F(PocoHttpFetcherTest, GivesUpOnASilentServerWhenTheTimeoutRunsOut)
{
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto start = SteadyClock::now();
    EXPECT_THROW(
        fetcher.get("http://127.0.0.1:" + std::to_string(silent.address().port()) + "/crl", 500),
        HttpError);
    const auto elapsed = SteadyClock::now() - start;
    EXPECT_GE(elapsed, 450ms);
    EXPECT_LT(elapsed, 1200ms);
}

TEST_F(PocoHttpFetcherTest, BoundsTheWholeExchangeNotEachReadWhenAServerDrips)
{
    // One header byte every 100 ms: each read succeeds in time, the exchange never ends.
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    std::atomic<bool> stop { false };
    std::thread dripper([&] {
        Poco::Net::StreamSocket connection = listener.acceptConnection();
        const std::string header = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Padding: ";
        for (std::size_t i = 0; !stop && i < 100; ++i) {
            const char c = i < header.size() ? header[i] : 'x';
            connection.sendBytes(&c, 1);
            std::this_thread::sleep_for(100ms);
        }
    });
    const auto start = SteadyClock::now();
    EXPECT_THROW(
        fetcher.get("http://127.0.0.1:" + std::to_string(listener.address().port()) + "/", 600),
        HttpError);
    const auto elapsed = SteadyClock::now() - start;
    stop = true;
    dripper.join();
    EXPECT_LT(elapsed, 1200ms);
}

TEST_F(PocoHttpFetcherTest, LooksUpHostNamesWithTheSystemResolver)
{
    const auto port = base_.substr(base_.rfind(':'));
    const auto response = fetcher.get("http://localhost" + port + "/crl", 2000);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body.size(), 5U);
}

TEST_F(PocoHttpFetcherTest, LooksUpNamesButNotIpLiteralsThroughTheResolver)
{
    std::atomic<int> lookups { 0 };
    const auto port = base_.substr(base_.rfind(':') + 1);
    PocoHttpFetcher named(1024, [&](const std::string& host, std::uint16_t) {
        ++lookups;
        if (host != "crl.example.test")
            throw std::runtime_error("NXDOMAIN " + host);
        return "127.0.0.1:" + port;
    });
    EXPECT_EQ(named.get("http://crl.example.test:" + port + "/crl", 2000).status, 200);
    EXPECT_EQ(named.get(base_ + "/crl", 2000).status, 200);
    EXPECT_EQ(lookups.load(), 1);
    try {
        named.get("http://elsewhere.example.test:" + port + "/crl", 2000);
        ADD_FAILURE() << "an unknown name was fetched";
    } catch (const HttpError& e) {
        EXPECT_NE(std::string(e.what()).find("NXDOMAIN elsewhere.example.test"), std::string::npos)
            << e.what();
    }
}

TEST_F(PocoHttpFetcherTest, GivesUpOnAHangingNameLookupWhenTheTimeoutRunsOut)
{
    // Test double: a resolver that hangs, as the system one does when its DNS server is
    // unreachable (that cannot be arranged for one process here).
    PocoHttpFetcher hanging(1024, [](const std::string&, std::uint16_t) -> std::string {
        std::this_thread::sleep_for(1500ms);
        throw std::runtime_error("resolver gave up");
    });
    const auto start = SteadyClock::now();
    try {
        hanging.get("http://ocsp.example.test/", 400);
        ADD_FAILURE() << "a hanging lookup produced an answer";
    } catch (const HttpError& e) {
        EXPECT_NE(
            std::string(e.what()).find("timed out looking up ocsp.example.test"), std::string::npos)
            << e.what();
    }
    const auto elapsed = SteadyClock::now() - start;
    EXPECT_GE(elapsed, 350ms);
    EXPECT_LT(elapsed, 1000ms);
}

} // namespace
} // namespace certgate::x509
