#pragma once

#include <certgate/agent/CardService.hpp>

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace certgate::agent {

/// The JSON shapes of the API, shared by the HTTP handlers and `certgate-agent list --json`.
Poco::JSON::Object slotJson(const SlotStatus& slot);
Poco::JSON::Object certificateJson(const CertificateInfo& certificate);
/// {"tokens":[...]} plus {"error":"NO_READER",...} when there is no slot at all.
Poco::JSON::Object tokensJson(const std::vector<SlotStatus>& slots);
Poco::JSON::Object certificatesJson(
    const std::string& token, const std::vector<CertificateInfo>& certificates);
/// The SPEC §5 auth token.
Poco::JSON::Object authTokenJson(const SignResult& result);
std::string toJsonText(const Poco::JSON::Object& object);

} // namespace certgate::agent
