#include <certgate/agent/AgentApi.hpp>
#include <certgate/agent/JsonViews.hpp>
#include <certgate/agent/SignRequest.hpp>
#include <certgate/agent/SignatureFormat.hpp>
#include <certgate/net/LogText.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <sstream>

namespace certgate::agent {
namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate-agent.http");
}

Poco::JSON::Object orderedObject()
{
    return Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

ApiResponse jsonResponse(int status, const Poco::JSON::Object& body)
{
    ApiResponse response;
    response.status = status;
    std::ostringstream out;
    body.stringify(out);
    response.body = out.str();
    response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    return response;
}

ApiResponse errorResponse(const AgentError& error, int statusOverride = 0)
{
    auto status = statusOverride ? statusOverride : describe(error.code()).httpStatus;
    auto response = jsonResponse(status, error.toJson());
    if (error.code() == ErrorCode::Busy)
        response.headers.emplace_back("Retry-After", "1");
    return response;
}

std::string pathOf(const std::string& target)
{
    auto query = target.find('?');
    return query == std::string::npos ? target : target.substr(0, query);
}

/// For logs: enough of the nonce to match a server log line, never the whole of it.
std::string nonceHint(const std::string& nonce)
{
    return nonce.substr(0, 8) + "…";
}

} // namespace

std::string ApiRequest::header(const std::string& lowerName) const
{
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string {} : it->second;
}

std::string ApiResponse::header(const std::string& name) const
{
    for (const auto& [key, value] : headers)
        if (Poco::icompare(key, name) == 0)
            return value;
    return {};
}

void addCorsHeaders(ApiResponse& response, const std::string& origin)
{
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    response.headers.emplace_back("Vary", "Origin");
}

AgentApi::AgentApi(CardService& cards, OriginPolicy origins, PinGuard::Limits pinLimits)
    : cards_(cards)
    , origins_(std::move(origins))
    , pinGuard_(pinLimits)
{
}

bool AgentApi::hostAllowed(const std::string& host) const
{
    auto port = std::to_string(port_.load());
    return host == "127.0.0.1:" + port || host == "localhost:" + port;
}

ApiResponse AgentApi::handle(ApiRequest& request)
{
    ApiResponse response;
    auto origin = request.header("origin");
    bool hasOrigin = request.headers.count("origin") != 0;
    try {
        if (!hostAllowed(request.header("host"))) {
            response = errorResponse(AgentError(ErrorCode::HostNotAllowed));
        } else if (hasOrigin && !origins_.allows(origin)) {
            response = errorResponse(AgentError(ErrorCode::OriginNotAllowed));
        } else {
            response = route(request, hasOrigin ? origin : std::string {});
            if (hasOrigin)
                addCorsHeaders(response, origin);
        }
    } catch (const AgentError& e) {
        response = errorResponse(e);
        if (hasOrigin && origins_.allows(origin) && hostAllowed(request.header("host")))
            addCorsHeaders(response, origin);
    } catch (const std::exception& e) {
        logger().error("unexpected error: %s", std::string(e.what()));
        response = errorResponse(AgentError(ErrorCode::InternalError));
    }
    wipeString(request.body);
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    // Path and Origin are the client's: escaped, so that they cannot forge a log line.
    logger().information("%s %s origin=%s -> %d", request.method,
        net::logSafe(pathOf(request.target)), hasOrigin ? net::logSafe(origin) : std::string("-"),
        response.status);
    return response;
}

ApiResponse AgentApi::route(ApiRequest& request, const std::string& origin)
{
    auto path = pathOf(request.target);
    const bool known = path == "/v1/version" || path == "/v1/health" || path == "/v1/tokens"
        || path == "/v1/certificates" || path == "/v1/sign";
    if (!known)
        return errorResponse(AgentError(ErrorCode::BadRequest, "no such endpoint " + path), 404);

    if (request.method == "OPTIONS") {
        if (origin.empty())
            return errorResponse(AgentError(ErrorCode::BadRequest, "preflight without Origin"));
        ApiResponse response;
        response.status = 204;
        response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
        response.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
        response.headers.emplace_back("Access-Control-Max-Age", "600");
        // Chromium's Private Network Access preflight: a public site reaching 127.0.0.1.
        if (Poco::icompare(request.header("access-control-request-private-network"), "true") == 0)
            response.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
        return response;
    }

    const bool post = path == "/v1/sign";
    if (request.method != (post ? "POST" : "GET")) {
        auto response = errorResponse(
            AgentError(ErrorCode::BadRequest, request.method + " not allowed on " + path), 405);
        response.headers.emplace_back("Allow", post ? "POST, OPTIONS" : "GET, OPTIONS");
        return response;
    }
    if (path == "/v1/version")
        return version();
    if (path == "/v1/health")
        return health();
    if (path == "/v1/tokens")
        return tokens();
    if (path == "/v1/certificates")
        return certificates(request.target);
    return sign(request, origin);
}

ApiResponse AgentApi::version()
{
    auto body = orderedObject();
    body.set("name", "certgate-agent");
    body.set("version", agentVersion);
    body.set("protocol", protocolVersion);
    return jsonResponse(200, body);
}

ApiResponse AgentApi::health()
{
    auto status = cards_.health();
    auto body = orderedObject();
    bool ok = status.moduleLoaded && status.pcscRunning.value_or(true);
    body.set("status", ok ? "ok" : "degraded");
    Poco::JSON::Object::Ptr module = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    module->set("path", status.modulePath);
    module->set("loaded", status.moduleLoaded);
    if (status.moduleError)
        module->set("error", std::string(describe(*status.moduleError).name));
    else
        module->set("error", Poco::Dynamic::Var());
    body.set("module", module);
    Poco::JSON::Object::Ptr pcsc = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    if (status.pcscRunning)
        pcsc->set("running", *status.pcscRunning);
    else
        pcsc->set("running", Poco::Dynamic::Var());
    body.set("pcsc", pcsc);
    return jsonResponse(200, body);
}

ApiResponse AgentApi::tokens()
{
    return jsonResponse(200, tokensJson(cards_.tokens()));
}

ApiResponse AgentApi::certificates(const std::string& target)
{
    std::string token;
    bool found = false;
    for (const auto& [key, value] : Poco::URI(target).getQueryParameters()) {
        if (key == "token") {
            token = value;
            found = true;
        }
    }
    if (!found || !validTokenLabel(token)) {
        Poco::JSON::Object facts;
        facts.set("field", "token");
        throw AgentError(ErrorCode::BadRequest, "certificates needs ?token=<label>", facts);
    }
    return jsonResponse(200, certificatesJson(token, cards_.certificates(token)));
}

ApiResponse AgentApi::sign(ApiRequest& request, const std::string& origin)
{
    // The page cannot choose the origin it signs for: it is the Origin header the browser set,
    // so a sign request without one (curl, a native program) is refused.
    if (origin.empty())
        throw AgentError(ErrorCode::OriginNotAllowed, "sign request without Origin");
    if (request.bodyTooLarge) {
        Poco::JSON::Object facts;
        facts.set("field", "body");
        return errorResponse(AgentError(ErrorCode::BadRequest, "body too large", facts), 413);
    }
    auto contentType = request.header("content-type");
    if (Poco::icompare(contentType.substr(0, contentType.find(';')), "application/json") != 0) {
        Poco::JSON::Object facts;
        facts.set("field", "Content-Type");
        throw AgentError(ErrorCode::BadRequest, "Content-Type must be application/json", facts);
    }
    auto parsed = parseSignRequest(request.body);
    wipeString(request.body);
    logger().information("sign for %s token %s nonce %s", net::logSafe(origin),
        net::logSafe(parsed.token), net::logSafe(nonceHint(parsed.nonce)));
    // After several wrong PINs for this card, none is sent until a while has passed.
    pinGuard_.check(parsed.token);
    try {
        auto result
            = cards_.sign(parsed.token, parsed.keyId, parsed.pin, signedData(origin, parsed.nonce));
        pinGuard_.correctPin(parsed.token);
        return jsonResponse(200, authTokenJson(result));
    } catch (const AgentError& e) {
        if (e.code() == ErrorCode::PinIncorrect || e.code() == ErrorCode::PinFinalTry)
            pinGuard_.wrongPin(parsed.token);
        throw;
    }
}

} // namespace certgate::agent
