#include <certgate/agent/Config.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace certgate::agent {
namespace {

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

const std::vector<std::string> logLevels { "none", "fatal", "critical", "error", "warning",
    "notice", "information", "debug", "trace" };

} // namespace

std::string normaliseOrigin(const std::string& origin)
{
    auto schemeEnd = origin.find("://");
    if (schemeEnd == std::string::npos)
        throw std::invalid_argument("origin without scheme: " + origin);
    auto scheme = lower(origin.substr(0, schemeEnd));
    if (scheme != "http" && scheme != "https")
        throw std::invalid_argument("origin scheme must be http or https: " + origin);
    auto rest = origin.substr(schemeEnd + 3);
    if (!rest.empty() && rest.back() == '/')
        rest.pop_back();
    if (rest.empty() || rest.find_first_of("/?#@ \t") != std::string::npos)
        throw std::invalid_argument("origin must be scheme://host[:port]: " + origin);
    auto host = rest;
    std::string port;
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5
            || !std::all_of(
                port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })
            || std::stoul(port) == 0 || std::stoul(port) > 65535)
            throw std::invalid_argument("bad port in origin: " + origin);
    }
    if (host.empty())
        throw std::invalid_argument("origin without host: " + origin);
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80"))
        port.clear();
    return scheme + "://" + lower(host) + (port.empty() ? "" : ":" + port);
}

AgentConfig parseConfig(const std::string& jsonText, AgentConfig base)
{
    Poco::JSON::Object::Ptr root;
    try {
        Poco::JSON::Parser parser;
        root = parser.parse(jsonText).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("configuration is not a JSON object: ") + e.what());
    }
    if (!root)
        throw std::invalid_argument("configuration is not a JSON object");
    for (const auto& [key, value] : *root) {
        if (key == "port") {
            if (!value.isInteger())
                throw std::invalid_argument("\"port\" must be an integer");
            auto port = value.convert<long long>();
            if (port < 0 || port > 65535)
                throw std::invalid_argument("\"port\" must be 0..65535");
            base.port = static_cast<std::uint16_t>(port);
        } else if (key == "module") {
            if (!value.isString() || value.toString().empty())
                throw std::invalid_argument("\"module\" must be a non-empty string");
            base.module = value.toString();
        } else if (key == "allowedOrigins") {
            auto array = root->getArray(key);
            if (!array)
                throw std::invalid_argument("\"allowedOrigins\" must be an array of strings");
            base.allowedOrigins.clear();
            for (std::size_t i = 0; i < array->size(); ++i) {
                auto item = array->get(static_cast<unsigned>(i));
                if (!item.isString())
                    throw std::invalid_argument("\"allowedOrigins\" must be an array of strings");
                base.allowedOrigins.push_back(normaliseOrigin(item.toString()));
            }
        } else if (key == "logLevel") {
            auto level = value.isString() ? lower(value.toString()) : std::string {};
            if (std::find(logLevels.begin(), logLevels.end(), level) == logLevels.end())
                throw std::invalid_argument("\"logLevel\" must be one of none, fatal, critical, "
                                            "error, warning, notice, information, debug, trace");
            base.logLevel = level;
        } else if (key == "busyTimeoutMs") {
            if (!value.isInteger() || value.convert<long long>() < 0
                || value.convert<long long>() > 600000)
                throw std::invalid_argument("\"busyTimeoutMs\" must be an integer 0..600000");
            base.busyTimeout = std::chrono::milliseconds(value.convert<long long>());
        } else if (key == "maxWrongPins") {
            if (!value.isInteger() || value.convert<long long>() < 1
                || value.convert<long long>() > 100)
                throw std::invalid_argument("\"maxWrongPins\" must be an integer 1..100");
            base.maxWrongPins = value.convert<int>();
        } else if (key == "wrongPinWindowSeconds") {
            if (!value.isInteger() || value.convert<long long>() < 1
                || value.convert<long long>() > 86400)
                throw std::invalid_argument(
                    "\"wrongPinWindowSeconds\" must be an integer 1..86400");
            base.wrongPinWindow = std::chrono::seconds(value.convert<long long>());
        } else {
            // A typo in a key would otherwise silently fall back to a default.
            throw std::invalid_argument("unknown configuration key \"" + key + "\"");
        }
    }
    return base;
}

AgentConfig loadConfigFile(const std::string& path, AgentConfig base)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::invalid_argument("cannot read configuration file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parseConfig(text.str(), std::move(base));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(path + ": " + e.what());
    }
}

OriginPolicy::OriginPolicy(std::vector<std::string> allowedOrigins)
    : origins_(std::move(allowedOrigins))
{
}

bool OriginPolicy::allows(const std::string& originHeader) const
{
    return std::find(origins_.begin(), origins_.end(), originHeader) != origins_.end();
}

} // namespace certgate::agent
