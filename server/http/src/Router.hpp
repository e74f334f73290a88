#pragma once

#include <certgate/core/Error.hpp>
#include <certgate/net/HttpEngine.hpp>

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace certgate::http {

/// One request as the API handlers see it: complete (the engine read the body), answered by
/// filling `response`.
class Context {
public:
    /// `trustedProxies`: addresses of reverse proxies whose X-Forwarded-For names the client.
    Context(net::Request& request, net::Response& response,
        const std::vector<std::string>* trustedProxies = nullptr);

    net::Request& request;
    net::Response& response;
    std::vector<std::string> params; ///< the route's path parameters, in order
    /// The matched route's template ("/api/v1/flows/{flowId}/confirm"), empty when no route
    /// matched: a label for metrics and logs that holds no identifier.
    std::string route;

    const std::string& method() const { return request.method; }
    /// The decoded path, without the query.
    const std::string& path() const { return path_; }
    /// The path as sent (undecoded), escaped and capped for a log line (net::logSafe).
    std::string logPath() const;
    /// The body as a JSON object; INVALID_INPUT when it is not one, PAYLOAD_TOO_LARGE above
    /// the limit.
    Poco::JSON::Object::Ptr body();
    std::string bodyText();
    std::string cookie(const std::string& name) const;
    std::string header(const std::string& name) const;
    std::string query(const std::string& name) const;
    std::string client() const;
    bool secure() const { return request.secure; }

    void setCookie(const std::string& name, const std::string& value, const std::string& path,
        std::int64_t maxAge);
    void clearCookie(const std::string& name, const std::string& path);
    void setHeader(const std::string& name, const std::string& value);
    void send(int status, const std::string& contentType, std::string body,
        const std::string& cacheControl = "no-store");
    void sendJson(int status, const Poco::JSON::Object::Ptr& object);
    void sendError(const core::Error& error);
    void sendNoContent();
    bool sent() const { return sent_; }

private:
    const std::vector<std::string>* trustedProxies_;
    std::string path_;
    std::string query_;
    bool sent_ = false;
};

using Handler = std::function<void(Context&)>;

/// Routes by path template, as the OpenAPI document writes them: literal segments and
/// `{name}` parameters, each parameter checked by the shape its name stands for (flowId,
/// operatorId, reviewId, staffId: 32 lowercase hex digits; agencyCode: 1–20 letters and
/// digits). Matching splits the path once and compares segments: no regular expression on
/// the request path.
class Router {
public:
    /// Throws std::invalid_argument for a template with an unknown parameter name.
    void add(const std::string& method, const std::string& pathTemplate, Handler handler);
    /// Runs the matching route; false when no route matches the path (405 is answered when
    /// the path matches with another method).
    bool dispatch(Context& context) const;

    struct RouteInfo {
        std::string method;
        std::string pathTemplate;
    };
    /// Every registered route, in registration order.
    std::vector<RouteInfo> routes() const;

private:
    enum class Shape { Literal, Hex32, Code };
    struct Segment {
        Shape shape;
        std::string text; ///< the literal, or the parameter's name
    };
    struct Route {
        std::string method;
        std::string pathTemplate;
        std::vector<Segment> segments;
        Handler handler;
    };
    static bool matches(const Route& route, const std::vector<std::string_view>& segments);
    std::vector<Route> routes_;
};

/// Fields of a JSON body, typed, with INVALID_INPUT naming the field when it has the wrong type.
std::string stringField(
    const Poco::JSON::Object::Ptr& body, const std::string& name, bool required = false);
std::vector<std::string> stringArrayField(
    const Poco::JSON::Object::Ptr& body, const std::string& name);
/// The agent token as JSON text: accepts the token object itself or a string holding it.
std::string tokenField(const Poco::JSON::Object::Ptr& body);

} // namespace certgate::http
