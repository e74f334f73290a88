#include <certgate/agent/Encoding.hpp>
#include <certgate/agent/ErrorCatalogue.hpp>
#include <certgate/agent/SignRequest.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

namespace certgate::agent {
namespace {

[[noreturn]] void badField(const std::string& field, const std::string& why)
{
    Poco::JSON::Object facts;
    facts.set("field", field);
    throw AgentError(ErrorCode::BadRequest, field + ": " + why, facts);
}

std::string stringField(const Poco::JSON::Object::Ptr& root, const std::string& key, bool required)
{
    if (!root->has(key) || root->isNull(key)) {
        if (required)
            badField(key, "missing");
        return {};
    }
    auto value = root->get(key);
    if (!value.isString())
        badField(key, "not a string");
    return value.toString();
}

} // namespace

bool validPin(std::string_view pin)
{
    return pin.size() >= 4 && pin.size() <= 16
        && std::all_of(pin.begin(), pin.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool validNonce(std::string_view nonce)
{
    return nonce.size() >= 16 && nonce.size() <= 1024
        && std::all_of(nonce.begin(), nonce.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
           });
}

bool validTokenLabel(std::string_view label)
{
    return !label.empty() && label.size() <= 32
        && std::all_of(label.begin(), label.end(),
            [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

SignRequest parseSignRequest(const std::string& body)
{
    if (body.size() > maxRequestBody)
        badField("body", "larger than 16 KiB");
    Poco::JSON::Object::Ptr root;
    try {
        Poco::JSON::Parser parser;
        root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        badField("body", "not a JSON object");
    }
    if (!root)
        badField("body", "not a JSON object");
    SignRequest request;
    bool havePin = false;
    // Iterate instead of get(): get() hands out a copy, and the copy in the object is the one to
    // scrub once the PIN sits in the wiped buffer.
    for (const auto& [key, value] : *root) {
        if (key != "pin")
            continue;
        if (!value.isString())
            badField("pin", "not a string");
        auto& parsed = const_cast<std::string&>(value.extract<std::string>());
        request.pin = SecretBuffer(parsed);
        wipeString(parsed);
        havePin = true;
    }
    if (!havePin)
        badField("pin", "missing");
    if (!validPin(request.pin.view()))
        badField("pin", "must be 4 to 16 printable ASCII characters");
    request.token = stringField(root, "token", true);
    if (!validTokenLabel(request.token))
        badField("token", "must be a token label of 1 to 32 bytes");
    request.nonce = stringField(root, "nonce", true);
    if (!validNonce(request.nonce))
        badField("nonce", "must be the server's base64 nonce (16 to 1024 characters)");
    auto keyId = stringField(root, "keyId", false);
    if (!keyId.empty()) {
        auto bytes = hexDecode(keyId);
        if (!bytes || bytes->empty() || bytes->size() > 64)
            badField("keyId", "must be the hex CKA_ID, e.g. \"01\"");
        request.keyId = hexEncode(bytes->data(), bytes->size());
    }
    return request;
}

} // namespace certgate::agent
