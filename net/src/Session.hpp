#pragma once

#include "EngineCore.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/crypto.h>

#include <memory>
#include <optional>
#include <type_traits>

namespace certgate::net {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// One connection, from accept to close, on its own strand. Each phase runs under its deadline
/// (Limits); the request is handed to a worker only once complete; while idle or unfinished
/// the connection is in the registry's idle order and may be closed to make room.
template <class Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

public:
    Session(EngineCore& core, asio::ip::tcp::socket&& socket, std::string peer)
        : core_(core)
        , stream_(makeStream(core, std::move(socket)))
        , peer_(std::move(peer))
    {
    }

    ~Session() override
    {
        if (slot_)
            core_.registry.remove(slot_);
    }

    /// Registers with the registry; false = refused (the first request gets 503, then close).
    void admit()
    {
        std::uint64_t evicted = 0;
        auto admission = core_.registry.admit(this->shared_from_this(), peer_, slot_, evicted);
        if (evicted)
            core_.count(Counter::EvictedIdle, evicted);
        if (admission == ConnectionRegistry::Admission::Refused || core_.stopping) {
            slot_.reset();
            refused_ = true;
        }
    }

    /// Begins on the connection's own strand (the registry may already be closing it).
    void start()
    {
        asio::dispatch(
            stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
    }

    void closeSoon(Reason reason) override
    {
        asio::post(stream_.get_executor(), [self = this->shared_from_this(), reason] {
            self->closedBy_ = reason;
            beast::error_code ignored;
            self->lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            self->lowest().close();
        });
    }

private:
    void begin()
    {
        if constexpr (kTls) {
            lowest().expires_after(core_.options.limits.handshakeTimeout);
            stream_.async_handshake(asio::ssl::stream_base::server,
                [self = this->shared_from_this()](beast::error_code ec) { self->onHandshake(ec); });
        } else {
            waitForRequest();
        }
    }

    static Stream makeStream(EngineCore& core, asio::ip::tcp::socket&& socket)
    {
        if constexpr (kTls)
            return Stream(std::move(socket), *core.tls);
        else
            return Stream(std::move(socket));
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
    const Limits& limits() const { return core_.options.limits; }

    void setIdle(bool idle)
    {
        if (slot_)
            core_.registry.setIdle(slot_, idle);
    }

    /// A failed read or write: count what the server cut; a peer that left is not counted.
    void failed(beast::error_code ec, Counter onTimeout)
    {
        if (closedBy_)
            return;
        if (ec == beast::error::timeout)
            core_.count(onTimeout);
    }

    void onHandshake(beast::error_code ec)
    {
        if (ec) {
            if (!closedBy_)
                core_.count(ec == beast::error::timeout ? Counter::HandshakeTimeouts
                                                        : Counter::HandshakeFailures);
            return;
        }
        waitForRequest();
    }

    // Idle: until the first byte of the next request (a short wait under pressure).
    void waitForRequest()
    {
        setIdle(true);
        if (buffer_.size() > 0) {
            readHeader();
            return;
        }
        lowest().expires_after(
            core_.registry.underPressure() ? limits().pressureIdleTimeout : limits().idleTimeout);
        stream_.async_read_some(buffer_.prepare(4096),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                if (ec)
                    return self->failed(ec, Counter::IdleClosed);
                self->buffer_.commit(n);
                self->readHeader();
            });
    }

    // Still idle for the registry: a connection trickling its headers holds no more than one
    // that sends nothing, and is closed as readily.
    void readHeader()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits().maxHeaderBytes));
        parser_->body_limit(limits().maxBodyBytes);
        lowest().expires_after(limits().headerTimeout);
        bhttp::async_read_header(stream_, buffer_, *parser_,
            [self = this->shared_from_this()](
                beast::error_code ec, std::size_t) { self->onHeader(ec); });
    }

    void onHeader(beast::error_code ec)
    {
        if (ec == bhttp::error::body_limit) {
            // The declared length is over the limit: refused unread, before any 100 Continue.
            setIdle(false);
            version_ = parser_->get().version();
            keepAlive_ = false;
            head_ = false;
            if (refused_) {
                core_.count(Counter::RefusedConnectionLimit);
                return answer(core_.refusal(Refusal::ConnectionLimit));
            }
            return dispatch(true);
        }
        if (ec) {
            // Timeouts, a peer that left (end_of_stream, partial_message) and socket errors
            // close quietly; what is not HTTP/1.x is answered.
            bool parseError
                = ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()
                && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
            if (closedBy_ || !parseError)
                return failed(ec, Counter::HeaderTimeouts);
            core_.count(Counter::BadRequests);
            return answer(core_.refusal(
                ec == bhttp::error::header_limit ? Refusal::HeaderTooLarge : Refusal::BadRequest));
        }
        setIdle(false);
        auto& message = parser_->get();
        version_ = message.version();
        keepAlive_ = message.keep_alive();
        head_ = message.method() == bhttp::verb::head;
        if (refused_) {
            core_.count(Counter::RefusedConnectionLimit);
            return answer(core_.refusal(Refusal::ConnectionLimit));
        }
        auto length = parser_->content_length();
        if (length && *length > limits().maxBodyBytes)
            return dispatch(true); // refused unread, before any 100 Continue
        if (parser_->is_done())
            return dispatch(false);
        auto expect = message[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(
                bhttp::status::continue_, version_);
            lowest().expires_after(limits().writeTimeout);
            bhttp::async_write(stream_, *interim,
                [self = this->shared_from_this(), interim](beast::error_code wec, std::size_t) {
                    if (wec)
                        return self->failed(wec, Counter::WriteTimeouts);
                    self->readBody();
                });
            return;
        }
        readBody();
    }

    void readBody()
    {
        lowest().expires_after(limits().bodyTimeout);
        bhttp::async_read(stream_, buffer_, *parser_,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec == bhttp::error::body_limit)
                    return self->dispatch(true);
                if (ec)
                    return self->failed(ec, Counter::BodyTimeouts);
                self->dispatch(false);
            });
    }

    void dispatch(bool tooLarge)
    {
        lowest().expires_never();
        tooLarge_ = tooLarge;
        if (core_.queueFull() || core_.stopping) {
            core_.count(Counter::Overloaded);
            auto busy = core_.refusal(Refusal::Overloaded);
            busy.close = busy.close || tooLarge || !parser_->is_done();
            return answer(std::move(busy));
        }
        auto message = parser_->release();
        Request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message)
            request.headers.emplace_back(
                std::string(field.name_string()), std::string(field.value()));
        if (!tooLarge)
            request.body = std::move(message.body());
        request.peer = peer_;
        request.secure = kTls;
        request.bodyTooLarge = tooLarge;
        parser_.reset();
        if (core_.options.wipeBuffers)
            wipeBuffer();
        ++core_.inFlight;
        core_.count(Counter::Requests);
        asio::post(core_.workers,
            [self = this->shared_from_this(), request = std::move(request)]() mutable {
                auto response = self->core_.handle(request);
                --self->core_.inFlight;
                asio::post(
                    self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
                        self->answer(std::move(response));
                    });
            });
    }

    void answer(Response response)
    {
        setIdle(false);
        auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
        message->version(version_);
        message->result(static_cast<unsigned>(response.status));
        for (auto& [name, value] : response.headers)
            message->insert(name, value);
        bool close = response.close || !keepAlive_ || tooLarge_ || core_.stopping;
        message->keep_alive(!close);
        if (head_) {
            message->content_length(response.body.size());
        } else {
            message->body() = std::move(response.body);
            message->prepare_payload();
        }
        lowest().expires_after(limits().writeTimeout);
        bhttp::async_write(stream_, *message,
            [self = this->shared_from_this(), message, close](beast::error_code ec, std::size_t) {
                if (ec)
                    return self->failed(ec, Counter::WriteTimeouts);
                if (close)
                    return self->finish();
                self->waitForRequest();
            });
    }

    // After the last answer the client's remaining input is read for a moment (until it
    // closes, at most 2 s and a few bodies' worth): closing a socket with unread data resets
    // the connection, and the client (still uploading, or past a header limit) would lose the
    // answer already sent. Draining connections may be closed to make room.
    void finish()
    {
        if constexpr (!kTls) {
            beast::error_code ignored;
            lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        }
        setIdle(true);
        drained_ = 0;
        lowest().expires_after(std::chrono::seconds(2));
        drain();
    }

    void drain()
    {
        buffer_.consume(buffer_.size());
        stream_.async_read_some(buffer_.prepare(16384),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                self->drained_ += n;
                if (ec || self->drained_ > 4 * self->limits().maxBodyBytes)
                    return;
                self->drain();
            });
    }

    // The bytes already parsed stay in the buffer's memory: overwrite all of it that holds no
    // pipelined request.
    void wipeBuffer()
    {
        if (buffer_.size() != 0)
            return;
        auto whole = buffer_.prepare(buffer_.capacity());
        OPENSSL_cleanse(whole.data(), whole.size());
    }

    EngineCore& core_;
    Stream stream_;
    std::string peer_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    ConnectionRegistry::SlotPtr slot_;
    std::optional<Reason> closedBy_;
    unsigned version_ = 11;
    bool keepAlive_ = false;
    bool head_ = false;
    bool tooLarge_ = false;
    bool refused_ = false;
    std::size_t drained_ = 0;
};

} // namespace certgate::net
