#include "TokenJson.hpp"

#include <certgate/core/Error.hpp>

#include <Poco/JSON/Parser.h>

namespace certgate::core::tokenjson {

void malformed(const std::string& detail)
{
    throw Error(ErrorCode::MalformedToken, detail);
}

Poco::JSON::Object::Ptr parseObject(std::string_view json)
{
    if (json.size() > kMaxTokenBytes)
        malformed("token larger than " + std::to_string(kMaxTokenBytes) + " bytes");
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(std::string(json));
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
            malformed("token is not a JSON object");
        return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        malformed(std::string("token is not JSON: ") + e.displayText());
    }
}

void requireKnownMembers(const Poco::JSON::Object& object, const std::set<std::string>& members)
{
    for (const auto& [key, value] : object)
        if (!members.contains(key))
            malformed("unknown member " + key.substr(0, 32));
}

std::string requireString(const Poco::JSON::Object& object, const std::string& key)
{
    if (!object.has(key))
        malformed("missing member " + key);
    auto value = object.get(key);
    if (!value.isString())
        malformed("member " + key + " is not a string");
    return value.extract<std::string>();
}

Bytes requireBase64(const Poco::JSON::Object& object, const std::string& key, std::size_t maxBytes)
{
    auto text = requireString(object, key);
    if (text.size() > maxBytes * 4 / 3 + 4)
        malformed(key + " too large");
    auto bytes = decodeBase64Strict(text);
    if (!bytes)
        malformed(key + " is not canonical base64");
    return std::move(*bytes);
}

} // namespace certgate::core::tokenjson
