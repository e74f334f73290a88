#include "Router.hpp"

#include "Json.hpp"

#include <certgate/core/RequestId.hpp>
#include <certgate/net/LogText.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>

namespace certgate::http {

using core::Error;
using core::ErrorCode;

Context::Context(
    net::Request& req, net::Response& resp, const std::vector<std::string>* trustedProxies)
    : request(req)
    , response(resp)
    , trustedProxies_(trustedProxies)
{
    auto question = request.target.find('?');
    try {
        Poco::URI::decode(request.target.substr(0, question), path_);
    } catch (const Poco::Exception&) {
        path_.clear(); // matches no route and no file: 404
    }
    if (question != std::string::npos)
        query_ = request.target.substr(question + 1);
}

std::string Context::logPath() const
{
    return net::logSafe(std::string_view(request.target).substr(0, request.target.find('?')));
}

std::string Context::bodyText()
{
    if (request.bodyTooLarge)
        throw Error(ErrorCode::PayloadTooLarge);
    return request.body;
}

Poco::JSON::Object::Ptr Context::body()
{
    if (request.bodyTooLarge)
        throw Error(ErrorCode::PayloadTooLarge);
    if (request.body.empty())
        return new Poco::JSON::Object;
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(request.body);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
            return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    throw Error(ErrorCode::InvalidInput, "request body is not a JSON object");
}

std::string Context::cookie(const std::string& name) const
{
    Poco::Net::NameValueCollection cookies;
    Poco::Net::HTTPRequest parsed;
    for (const auto& [key, value] : request.headers)
        if (Poco::icompare(key, "Cookie") == 0)
            parsed.add("Cookie", value);
    parsed.getCookies(cookies);
    return cookies.get(name, "");
}

std::string Context::header(const std::string& name) const
{
    return request.header(name);
}

std::string Context::query(const std::string& name) const
{
    Poco::URI uri;
    try {
        uri.setRawQuery(query_);
        for (const auto& [key, value] : uri.getQueryParameters())
            if (key == name)
                return value;
    } catch (const Poco::Exception&) {
    }
    return {};
}

std::string Context::client() const
{
    const auto& peer = request.peer;
    // Behind the bureau's reverse proxy every request comes from the proxy: only then is the
    // client the address the proxy appended last to X-Forwarded-For (earlier entries are
    // whatever the client sent, and are not trusted). A proxy that adds its own header line
    // instead of appending to the client's puts it last: the last line is the proxy's.
    if (!trustedProxies_
        || std::find(trustedProxies_->begin(), trustedProxies_->end(), peer)
            == trustedProxies_->end())
        return peer;
    std::string forwarded;
    for (const auto& [name, value] : request.headers)
        if (Poco::icompare(name, "X-Forwarded-For") == 0)
            forwarded = value;
    auto comma = forwarded.rfind(',');
    auto last = forwarded.substr(comma == std::string::npos ? 0 : comma + 1);
    auto begin = last.find_first_not_of(' ');
    auto end = last.find_last_not_of(' ');
    return begin == std::string::npos ? peer : last.substr(begin, end - begin + 1);
}

void Context::setCookie(
    const std::string& name, const std::string& value, const std::string& path, std::int64_t maxAge)
{
    Poco::Net::HTTPCookie cookie(name, value);
    cookie.setPath(path);
    cookie.setHttpOnly(true);
    cookie.setSecure(secure());
    cookie.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_STRICT);
    cookie.setMaxAge(static_cast<int>(maxAge));
    response.headers.emplace_back("Set-Cookie", cookie.toString());
}

void Context::clearCookie(const std::string& name, const std::string& path)
{
    setCookie(name, "", path, 0);
}

void Context::setHeader(const std::string& name, const std::string& value)
{
    response.headers.emplace_back(name, value);
}

void Context::send(
    int status, const std::string& contentType, std::string body, const std::string& cacheControl)
{
    response.status = status;
    if (!contentType.empty())
        response.headers.emplace_back("Content-Type", contentType);
    response.headers.emplace_back("Cache-Control", cacheControl);
    response.body = std::move(body);
    sent_ = true;
}

void Context::sendJson(int status, const Poco::JSON::Object::Ptr& object)
{
    std::ostringstream out;
    object->stringify(out);
    send(status, "application/json; charset=utf-8", out.str());
}

void Context::sendError(const Error& error)
{
    auto body = errorToJson(error);
    if (const auto& id = core::currentRequestId(); !id.empty())
        body->set("requestId", id); // what to quote to the help desk: it finds the log lines
    sendJson(core::errorInfo(error.code()).httpStatus, body);
    if (auto fact = error.facts().find("retryAfter"); fact != error.facts().end())
        setHeader("Retry-After", fact->second); // a rate limit: until its window ends
    else if (auto seconds = core::retryAfterSeconds(error.code()); seconds > 0)
        setHeader("Retry-After", std::to_string(seconds));
    if (error.code() == ErrorCode::PayloadTooLarge)
        response.close = true;
}

void Context::sendNoContent()
{
    send(204, "", {});
}

namespace {

std::vector<std::string_view> splitPath(std::string_view path)
{
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/')
        return segments;
    path.remove_prefix(1);
    while (true) {
        auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos)
            return segments;
        path.remove_prefix(slash + 1);
    }
}

bool isHex32(std::string_view text)
{
    return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

bool isCode(std::string_view text)
{
    return !text.empty() && text.size() <= 20 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

} // namespace

void Router::add(const std::string& method, const std::string& pathTemplate, Handler handler)
{
    Route route { method, pathTemplate, {}, std::move(handler) };
    for (auto part : splitPath(pathTemplate)) {
        if (part.size() < 2 || part.front() != '{' || part.back() != '}') {
            route.segments.push_back({ Shape::Literal, std::string(part) });
            continue;
        }
        std::string name(part.substr(1, part.size() - 2));
        if (name == "flowId" || name == "operatorId" || name == "reviewId" || name == "staffId")
            route.segments.push_back({ Shape::Hex32, name });
        else if (name == "agencyCode")
            route.segments.push_back({ Shape::Code, name });
        else
            throw std::invalid_argument("route " + pathTemplate + ": unknown parameter " + name);
    }
    routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string_view>& segments)
{
    if (route.segments.size() != segments.size())
        return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& expected = route.segments[i];
        bool ok = expected.shape == Shape::Literal ? segments[i] == expected.text
            : expected.shape == Shape::Hex32       ? isHex32(segments[i])
                                                   : isCode(segments[i]);
        if (!ok)
            return false;
    }
    return true;
}

std::vector<Router::RouteInfo> Router::routes() const
{
    std::vector<RouteInfo> list;
    for (const auto& route : routes_)
        list.push_back({ route.method, route.pathTemplate });
    return list;
}

bool Router::dispatch(Context& context) const
{
    auto segments = splitPath(context.path());
    bool pathMatched = false;
    for (const auto& route : routes_) {
        if (!matches(route, segments))
            continue;
        pathMatched = true;
        if (route.method != context.method())
            continue;
        context.params.clear();
        for (std::size_t i = 0; i < segments.size(); ++i)
            if (route.segments[i].shape != Shape::Literal)
                context.params.emplace_back(segments[i]);
        context.route = route.pathTemplate;
        route.handler(context);
        return true;
    }
    if (pathMatched) {
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
        body->set("error", "METHOD_NOT_ALLOWED");
        body->set("message", "不支援此請求方法。");
        body->set("messageEn", "Method not allowed.");
        context.sendJson(405, body);
        return true;
    }
    return false;
}

std::string stringField(const Poco::JSON::Object::Ptr& body, const std::string& name, bool required)
{
    if (!body->has(name) || body->isNull(name)) {
        if (required)
            throw Error(ErrorCode::InvalidInput, name + " is required", name);
        return {};
    }
    auto value = body->get(name);
    if (!value.isString())
        throw Error(ErrorCode::InvalidInput, name + " must be a string", name);
    return value.extract<std::string>();
}

std::vector<std::string> stringArrayField(
    const Poco::JSON::Object::Ptr& body, const std::string& name)
{
    std::vector<std::string> out;
    if (!body->has(name) || body->isNull(name))
        return out;
    auto array = body->getArray(name);
    if (!array)
        throw Error(ErrorCode::InvalidInput, name + " must be an array", name);
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto value = array->get(static_cast<unsigned>(i));
        if (!value.isString())
            throw Error(ErrorCode::InvalidInput, name + " must hold strings", name);
        out.push_back(value.extract<std::string>());
    }
    return out;
}

std::string tokenField(const Poco::JSON::Object::Ptr& body)
{
    if (!body->has("token") || body->isNull("token"))
        throw Error(ErrorCode::MalformedToken, "token is missing");
    auto value = body->get("token");
    if (value.isString())
        return value.extract<std::string>();
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        std::ostringstream out;
        value.extract<Poco::JSON::Object::Ptr>()->stringify(out);
        return out.str();
    }
    throw Error(ErrorCode::MalformedToken, "token is neither an object nor a string");
}

} // namespace certgate::http
