#include <certgate/core/Crypto.hpp>
#include <certgate/core/RequestId.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <utility>

namespace certgate::core {

namespace {

thread_local std::string current;

const std::string& processPrefix()
{
    static const std::string prefix = toHex(randomBytes(4));
    return prefix;
}

} // namespace

const std::string& currentRequestId()
{
    return current;
}

RequestIdScope::RequestIdScope(std::string id)
    : previous_(std::exchange(current, std::move(id)))
{
}

RequestIdScope::~RequestIdScope()
{
    current = std::move(previous_);
}

std::string newRequestId()
{
    static std::atomic<std::uint64_t> counter { 0 };
    char sequence[17];
    std::snprintf(sequence, sizeof sequence, "%08llx",
        static_cast<unsigned long long>(counter.fetch_add(1, std::memory_order_relaxed) + 1));
    return processPrefix() + "-" + sequence;
}

bool acceptableRequestId(std::string_view id)
{
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || c == '.' || c == '_' || c == ':' || c == '-';
    });
}

std::string withRequestId(const std::string& details)
{
    const auto& id = currentRequestId();
    if (id.empty())
        return details;
    // The id's characters need no JSON escaping (acceptableRequestId, newRequestId).
    std::string field = "\"requestId\":\"" + id + "\"";
    auto open = details.find_first_not_of(" \t\r\n");
    if (open == std::string::npos || details[open] != '{')
        return details.empty() ? "{" + field + "}" : details;
    auto next = details.find_first_not_of(" \t\r\n", open + 1);
    bool empty = next != std::string::npos && details[next] == '}';
    return details.substr(0, open + 1) + field + (empty ? "" : ",") + details.substr(open + 1);
}

} // namespace certgate::core
