#include <certgate/test/HttpClient.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <memory>

namespace certgate::test {

std::string HttpResponse::header(const std::string& lowerName) const
{
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string {} : it->second;
}

HttpResponse httpRequest(const std::string& method, const std::string& url, const std::string& body,
    const std::map<std::string, std::string>& headers, const std::string& caFile)
{
    Poco::URI uri(url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
        auto ca = caFile.empty() ? TestPki::get().tlsCa() : caFile;
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_CLIENT_USE, "", "", ca, Poco::Net::Context::VERIFY_RELAXED);
        session = std::make_unique<Poco::Net::HTTPSClientSession>(
            uri.getHost(), uri.getPort(), context);
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest request(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers)
        request.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
        if (!request.has("Content-Type"))
            request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    auto& out = session->sendRequest(request);
    out << body;
    Poco::Net::HTTPResponse response;
    auto& in = session->receiveResponse(response);
    HttpResponse result;
    result.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, result.body);
    for (const auto& [k, v] : response) {
        auto lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        result.headers.emplace(lower, v);
    }
    return result;
}

} // namespace certgate::test
