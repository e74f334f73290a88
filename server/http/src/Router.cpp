#include "Router.hpp"

#include "Json.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>

namespace certgate::http {

using core::Error;
using core::ErrorCode;

Context::Context(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
    std::size_t maxBodyBytes, bool secure, const std::vector<std::string>* trustedProxies)
    : request(req)
    , response(resp)
    , maxBodyBytes_(maxBodyBytes)
    , secure_(secure)
    , trustedProxies_(trustedProxies)
{
}

std::string Context::bodyText()
{
    if (bodyRead_)
        return body_;
    if (request.getContentLength() > static_cast<std::streamsize>(maxBodyBytes_)) {
        // Refused unread; discardUnreadBody() reads what the client still sends after the
        // answer, and this connection carries no further request.
        response.setKeepAlive(false);
        throw Error(ErrorCode::PayloadTooLarge);
    }
    bodyRead_ = true;
    auto& in = request.stream();
    char buffer[8192];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        body_.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (body_.size() > maxBodyBytes_) {
            response.setKeepAlive(false);
            bodyRead_ = false; // the rest is drained after the answer, as above
            throw Error(ErrorCode::PayloadTooLarge);
        }
    }
    return body_;
}

void Context::discardUnreadBody()
{
    // Only a body of known extent can be drained: POCO reads a request with neither
    // Content-Length nor chunked encoding until the connection closes.
    if (bodyRead_ || (!request.hasContentLength() && !request.getChunkedTransferEncoding()))
        return;
    bodyRead_ = true;
    // A body refused as too large is read too, up to a bound: closing a socket with unread
    // data makes the kernel reset the connection, and the client (a browser still
    // uploading) then loses the PAYLOAD_TOO_LARGE answer already sent.
    const std::size_t limit = 4 * maxBodyBytes_;
    auto& in = request.stream();
    char buffer[8192];
    std::size_t total = 0;
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        total += static_cast<std::size_t>(in.gcount());
        if (total > limit) {
            // Not worth reading on: POCO ends the connection after this request instead.
            response.setKeepAlive(false);
            return;
        }
    }
}

Poco::JSON::Object::Ptr Context::body()
{
    auto text = bodyText();
    if (text.empty())
        return new Poco::JSON::Object;
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(text);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
            return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    throw Error(ErrorCode::InvalidInput, "request body is not a JSON object");
}

std::string Context::cookie(const std::string& name) const
{
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    return cookies.get(name, "");
}

std::string Context::header(const std::string& name) const
{
    return request.get(name, "");
}

std::string Context::query(const std::string& name) const
{
    Poco::URI uri(request.getURI());
    for (const auto& [key, value] : uri.getQueryParameters())
        if (key == name)
            return value;
    return {};
}

std::string Context::client() const
{
    auto peer = request.clientAddress().host().toString();
    // Behind the bureau's reverse proxy every request comes from the proxy: only then is the
    // client the address the proxy appended last to X-Forwarded-For (earlier entries are
    // whatever the client sent, and are not trusted).
    if (!trustedProxies_
        || std::find(trustedProxies_->begin(), trustedProxies_->end(), peer)
            == trustedProxies_->end())
        return peer;
    auto forwarded = request.get("X-Forwarded-For", "");
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
    cookie.setSecure(secure_);
    cookie.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_STRICT);
    cookie.setMaxAge(static_cast<int>(maxAge));
    response.addCookie(cookie);
}

void Context::clearCookie(const std::string& name, const std::string& path)
{
    setCookie(name, "", path, 0);
}

void Context::sendJson(int status, const Poco::JSON::Object::Ptr& object)
{
    std::ostringstream out;
    object->stringify(out);
    auto text = out.str();
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json; charset=utf-8");
    response.set("Cache-Control", "no-store");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
}

void Context::sendError(const Error& error)
{
    sendJson(core::errorInfo(error.code()).httpStatus, errorToJson(error));
}

void Context::sendNoContent()
{
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    response.set("Cache-Control", "no-store");
    response.setContentLength(0);
    response.send();
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler)
{
    routes_.push_back({ method, std::regex(pattern), std::move(handler) });
}

bool Router::dispatch(Context& context) const
{
    auto path = Poco::URI(context.request.getURI()).getPath();
    bool pathMatched = false;
    for (const auto& route : routes_) {
        std::smatch match;
        if (!std::regex_match(path, match, route.pattern))
            continue;
        pathMatched = true;
        if (route.method != context.request.getMethod())
            continue;
        context.params.clear();
        for (std::size_t i = 1; i < match.size(); ++i)
            context.params.push_back(match[i].str());
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
