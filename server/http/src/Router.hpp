#pragma once

#include <certgate/core/Error.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace certgate::http {

/// One request as the API handlers see it.
class Context {
public:
    /// `trustedProxies`: addresses of reverse proxies whose X-Forwarded-For names the client.
    Context(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
        std::size_t maxBodyBytes, bool secure,
        const std::vector<std::string>* trustedProxies = nullptr);

    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    std::vector<std::string> params; ///< regex captures of the route

    /// The body as a JSON object; INVALID_INPUT when it is not one, PAYLOAD_TOO_LARGE above
    /// the limit.
    Poco::JSON::Object::Ptr body();
    std::string bodyText();
    /// Reads and drops a body no handler read, so that the next request on a keep-alive
    /// connection starts where it should (a POST whose handler ignores its "{}" would otherwise
    /// prefix the next request line with it).
    void discardUnreadBody();
    std::string cookie(const std::string& name) const;
    std::string header(const std::string& name) const;
    std::string query(const std::string& name) const;
    std::string client() const;
    bool secure() const { return secure_; }

    void setCookie(const std::string& name, const std::string& value, const std::string& path,
        std::int64_t maxAge);
    void clearCookie(const std::string& name, const std::string& path);
    void sendJson(int status, const Poco::JSON::Object::Ptr& object);
    void sendError(const core::Error& error);
    void sendNoContent();

private:
    std::size_t maxBodyBytes_;
    bool secure_;
    const std::vector<std::string>* trustedProxies_;
    bool bodyRead_ = false;
    std::string body_;
};

using Handler = std::function<void(Context&)>;

class Router {
public:
    void add(const std::string& method, const std::string& pattern, Handler handler);
    /// Runs the matching route; false when no route matches the path (405 is answered when
    /// the path matches with another method).
    bool dispatch(Context& context) const;

private:
    struct Route {
        std::string method;
        std::regex pattern;
        Handler handler;
    };
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
