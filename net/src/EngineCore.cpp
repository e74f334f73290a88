#include "EngineCore.hpp"

#include <Poco/Logger.h>

#include <strings.h>

namespace certgate::net {

namespace {

std::string defaultBody(Refusal kind)
{
    switch (kind) {
    case Refusal::Overloaded:
    case Refusal::ConnectionLimit:
        return R"({"error":"SERVER_BUSY","message":"系統忙碌中，請稍候再試。","messageEn":"The server is busy. Please try again shortly."})";
    case Refusal::BadRequest:
        return R"({"error":"INVALID_INPUT","message":"請求格式錯誤。","messageEn":"The request is not valid HTTP."})";
    case Refusal::HeaderTooLarge:
        return R"({"error":"PAYLOAD_TOO_LARGE","message":"請求標頭過大。","messageEn":"The request headers are too large."})";
    }
    return "{}";
}

int statusOf(Refusal kind)
{
    switch (kind) {
    case Refusal::Overloaded:
    case Refusal::ConnectionLimit:
        return 503;
    case Refusal::BadRequest:
        return 400;
    case Refusal::HeaderTooLarge:
        return 431;
    }
    return 500;
}

} // namespace

EngineCore::EngineCore(EngineOptions engineOptions, Handler requestHandler)
    : options(std::move(engineOptions))
    , handler(std::move(requestHandler))
    , registry(options.limits, options.exemptAddresses)
    , workers(options.limits.workerThreads ? options.limits.workerThreads : 1)
{
}

Response EngineCore::refusal(Refusal kind) const
{
    Response response;
    if (options.refusalBody) {
        response = options.refusalBody(kind);
    } else {
        response.body = defaultBody(kind);
        response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    }
    response.status = statusOf(kind);
    if (kind == Refusal::Overloaded || kind == Refusal::ConnectionLimit)
        response.headers.emplace_back("Retry-After", kind == Refusal::Overloaded ? "1" : "5");
    response.close = kind != Refusal::Overloaded;
    return response;
}

Response EngineCore::handle(Request& request) const
{
    Response response;
    try {
        handler(request, response);
        return response;
    } catch (const std::exception& e) {
        Poco::Logger::get(options.loggerName)
            .error("request handler failed: %s", std::string(e.what()));
    } catch (...) {
        Poco::Logger::get(options.loggerName).error("request handler failed");
    }
    response = Response {};
    response.status = 500;
    response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    response.body = R"({"error":"INTERNAL_ERROR"})";
    return response;
}

namespace {

const std::pair<std::string, std::string>* findHeader(const Headers& headers, std::string_view name)
{
    for (const auto& entry : headers)
        if (entry.first.size() == name.size()
            && strncasecmp(entry.first.data(), name.data(), name.size()) == 0)
            return &entry;
    return nullptr;
}

} // namespace

std::string Request::header(std::string_view name) const
{
    auto entry = findHeader(headers, name);
    return entry ? entry->second : std::string {};
}

bool Request::hasHeader(std::string_view name) const
{
    return findHeader(headers, name) != nullptr;
}

std::string_view counterName(Counter counter)
{
    static constexpr std::array<std::string_view, kCounterCount> names { "accepted", "requests",
        "refused_connection_limit", "evicted_idle", "closed_under_pressure", "handshake_timeouts",
        "handshake_failures", "header_timeouts", "body_timeouts", "write_timeouts", "bad_requests",
        "overloaded", "idle_closed", "accept_failures" };
    return names[static_cast<std::size_t>(counter)];
}

} // namespace certgate::net
