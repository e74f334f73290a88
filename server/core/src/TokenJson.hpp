#pragma once
// What the card token formats share (SPEC §5, docs/token-hipki.md): one JSON object of at most
// kMaxTokenBytes, its known members only, string members, canonical base64. Every failure is
// MALFORMED_TOKEN. POCO stays inside core's sources.

#include <certgate/core/AuthToken.hpp>
#include <certgate/core/HipkiToken.hpp>

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

namespace certgate::core::tokenjson {

[[noreturn]] void malformed(const std::string& detail);

/// The token as a JSON object, with no member outside `members`.
Poco::JSON::Object::Ptr parseObject(std::string_view json);
void requireKnownMembers(const Poco::JSON::Object& object, const std::set<std::string>& members);
std::string requireString(const Poco::JSON::Object& object, const std::string& key);
/// A canonical base64 member whose decoded bytes are at most `maxBytes`.
Bytes requireBase64(const Poco::JSON::Object& object, const std::string& key, std::size_t maxBytes);

AuthToken authTokenFrom(const Poco::JSON::Object& object);
HipkiToken hipkiTokenFrom(const Poco::JSON::Object& object);

} // namespace certgate::core::tokenjson
