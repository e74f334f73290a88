#pragma once

#include <map>
#include <string>

namespace certgate::test {

struct HttpResponse {
    int status = 0;
    std::string body;
    std::multimap<std::string, std::string> headers; ///< lower-case names
    std::string header(const std::string& lowerName) const;
};

/// One real HTTP(S) request on loopback. HTTPS trusts only `caFile` (the test TLS CA) when
/// given, else the test PKI's TLS CA.
HttpResponse httpRequest(const std::string& method, const std::string& url,
    const std::string& body = {}, const std::map<std::string, std::string>& headers = {},
    const std::string& caFile = {});

} // namespace certgate::test
