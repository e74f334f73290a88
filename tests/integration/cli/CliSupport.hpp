#pragma once
// What the CLI tests share: the real certgate executable run as a script would, its JSON
// answer parsed.
#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/FlowClient.hpp>
#include <certgate/test/ServerInstance.hpp>

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace certgate::test {

struct Json {
    int exitCode;
    Poco::JSON::Object::Ptr body;
    std::string output;
};

inline Json certgate(const std::vector<std::string>& args)
{
    auto result = run(certgateBinary(), args, { { "CERTGATE_LOG_LEVEL", "error" } });
    Json out { result.exitCode, nullptr, result.output };
    auto start = result.output.find('{');
    if (start != std::string::npos) {
        try {
            out.body = parseJsonObject(result.output.substr(start));
        } catch (...) {
        }
    }
    return out;
}

inline std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key)
{
    return o && o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string {};
}

} // namespace certgate::test
