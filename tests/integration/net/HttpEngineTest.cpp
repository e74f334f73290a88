#include <certgate/net/HttpEngine.hpp>
#include <certgate/test/SocketProbes.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

using namespace certgate::net;
using namespace certgate::test;
using namespace std::chrono_literals;

namespace {

/// An engine on a free port whose handler answers `status` with the request echoed back.
class HttpEngineTest : public ::testing::Test {
protected:
    void SetUp() override { prepareForProbes(); }

    void start(Limits limits = {}, Handler handler = {})
    {
        EngineOptions options;
        options.limits = limits;
        options.limits.logIntervalSeconds = 1;
        if (!handler)
            handler = [this](Request& request, Response& response) {
                seen_.push_back(request.method + " " + request.target);
                tooLarge_ = request.bodyTooLarge;
                response.status = request.target == "/created" ? 201 : 200;
                response.headers.emplace_back("Content-Type", "text/plain");
                response.body = request.bodyTooLarge ? "too large" : "body=" + request.body;
                if (request.bodyTooLarge)
                    response.status = 413;
            };
        engine_ = std::make_unique<HttpEngine>(options, handler);
        engine_->start();
    }

    /// One exchange on a new connection: the raw answer.
    std::string exchange(const std::string& raw, std::chrono::milliseconds wait = 2s)
    {
        RawConnection connection(engine_->port());
        connection.send(raw);
        return connection.receive(wait);
    }

    std::unique_ptr<HttpEngine> engine_;
    std::vector<std::string> seen_;
    bool tooLarge_ = false;
};

TEST_F(HttpEngineTest, StatusLinesCarryTheirOwnReasonPhrase)
{
    start();
    EXPECT_EQ(
        exchange("GET /created HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 201 Created\r\n", 0),
        0u);
    EXPECT_EQ(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpEngineTest, AnswerToHeadHasTheLengthButNoBody)
{
    start();
    auto answer = exchange("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(answer.find("Content-Length: 5\r\n"), std::string::npos) << answer;
    EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4), "");
}

TEST_F(HttpEngineTest, ABodyWithinTheLimitIsReadWholeAfter100Continue)
{
    start();
    RawConnection connection(engine_->port());
    connection.send(
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(connection.receive(2s).rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
    connection.send("hello");
    auto answer = connection.receive(2s);
    EXPECT_NE(answer.find("body=hello"), std::string::npos) << answer;
}

TEST_F(HttpEngineTest, ABodyDeclaredOverTheLimitIsRefusedBeforeAnyContinue)
{
    Limits limits;
    limits.maxBodyBytes = 1000;
    start(limits);
    RawConnection connection(engine_->port());
    connection.send(
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    auto answer = connection.receive(2s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << answer;
    EXPECT_EQ(answer.find("100 Continue"), std::string::npos);
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(tooLarge_);
}

TEST_F(HttpEngineTest, AChunkedBodyGrowingPastTheLimitIsRefused)
{
    Limits limits;
    limits.maxBodyBytes = 100;
    start(limits);
    std::string chunk(200, 'a');
    auto answer = exchange("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n"
        + chunk + "\r\n0\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
}

TEST_F(HttpEngineTest, HeadersOverTheLimitGet431AndGarbageGets400)
{
    Limits limits;
    limits.maxHeaderBytes = 2048;
    start(limits);
    auto big
        = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n");
    EXPECT_EQ(big.rfind("HTTP/1.1 431 ", 0), 0u) << big;
    auto garbage = exchange("\x16\x03\x01 not http at all\r\n\r\n");
    EXPECT_EQ(garbage.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << garbage;
    EXPECT_TRUE(seen_.empty());
    EXPECT_EQ(engine_->stats()[Counter::BadRequests], 2u);
}

TEST_F(HttpEngineTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection)
{
    start();
    auto answer = exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    auto first = answer.find("HTTP/1.1 200");
    auto second = answer.find("HTTP/1.1 200", first + 1);
    EXPECT_NE(second, std::string::npos) << answer;
    ASSERT_EQ(seen_.size(), 2u);
    EXPECT_EQ(seen_[0], "GET /a");
    EXPECT_EQ(seen_[1], "GET /b");
}

TEST_F(HttpEngineTest, WhenEveryWorkerIsBusyAndTheQueueFullANewRequestGets503)
{
    std::mutex mutex;
    std::condition_variable released;
    bool go = false;
    Limits limits;
    limits.workerThreads = 1;
    limits.maxQueuedRequests = 0;
    start(limits, [&](Request&, Response& response) {
        std::unique_lock lock(mutex);
        released.wait_for(lock, 5s, [&] { return go; });
        response.body = "done";
    });
    RawConnection slow(engine_->port());
    slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(200ms);
    auto busy = exchange("GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(busy.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << busy;
    EXPECT_NE(busy.find("Retry-After: 1"), std::string::npos);
    {
        std::lock_guard lock(mutex);
        go = true;
    }
    released.notify_all();
    EXPECT_NE(slow.receive(2s).find("done"), std::string::npos);
    EXPECT_EQ(engine_->stats()[Counter::Overloaded], 1u);
}

TEST_F(HttpEngineTest, IdleAndSlowConnectionsHoldNoWorker)
{
    Limits limits;
    limits.workerThreads = 1;
    limits.headerTimeout = 500ms;
    start(limits);
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 100; ++i)
        idle.push_back(std::make_unique<RawConnection>(engine_->port()));
    RawConnection slow(engine_->port());
    slow.send("GET / HT"); // and nothing more
    auto answer = exchange("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK", 0), 0u);
    EXPECT_TRUE(slow.closedByPeer(2s));
    // Counted as the read fails, just after the socket closed.
    for (int i = 0; i < 50 && engine_->stats()[Counter::HeaderTimeouts] == 0; ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(engine_->stats()[Counter::HeaderTimeouts], 1u);
    EXPECT_FALSE(idle.back()->closedByPeer(10ms));
}

TEST_F(HttpEngineTest, TheConnectionIdleLongestMakesRoomAtThePerAddressCap)
{
    Limits limits;
    limits.maxConnectionsPerAddress = 10;
    start(limits);
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 10; ++i) {
        idle.push_back(std::make_unique<RawConnection>(engine_->port()));
        std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_TRUE(idle.front()->closedByPeer(2s));
    EXPECT_FALSE(idle.back()->closedByPeer(10ms));
    EXPECT_EQ(engine_->stats()[Counter::EvictedIdle], 1u);
}

TEST_F(HttpEngineTest, StopClosesHeldConnectionsAndReturnsPromptly)
{
    start();
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 50; ++i)
        idle.push_back(std::make_unique<RawConnection>(engine_->port()));
    std::this_thread::sleep_for(100ms);
    auto took = millisecondsOf([&] { engine_->stop(); });
    EXPECT_LT(took, 2000);
    EXPECT_TRUE(idle.front()->closedByPeer(1s));
}

} // namespace
