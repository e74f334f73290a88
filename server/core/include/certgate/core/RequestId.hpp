#pragma once

#include <string>
#include <string_view>

namespace certgate::core {

/// The id of the HTTP request this thread is serving now ("" outside one): it appears in the
/// log lines, the error body and the audit events the request causes. A request runs on one
/// worker thread from its start to its answer, so the id is kept per thread.
const std::string& currentRequestId();

/// Makes `id` the current request id until the scope ends.
class RequestIdScope {
public:
    explicit RequestIdScope(std::string id);
    ~RequestIdScope();
    RequestIdScope(const RequestIdScope&) = delete;
    RequestIdScope& operator=(const RequestIdScope&) = delete;

private:
    std::string previous_;
};

/// A new id: this process's random prefix and a counter ("5f0c2a9e-0000002a"), unique across
/// instances without a random draw per request.
std::string newRequestId();

/// An id a trusted proxy sent (X-Request-Id) is taken when it is 1–64 characters of letters,
/// digits and . _ : - ; anything else is replaced by a new one.
bool acceptableRequestId(std::string_view id);

/// `details` (an audit event's JSON object text, or empty) with "requestId" first when a
/// request is current.
std::string withRequestId(const std::string& details);

} // namespace certgate::core
