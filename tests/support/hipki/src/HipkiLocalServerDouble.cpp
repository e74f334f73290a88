#include "HipkiCardReader.hpp"
#include "PopupForm.hpp"

#include <certgate/test/HipkiLocalServerDouble.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <sstream>

namespace certgate::test {
namespace {

using hipki::HipkiFailure;
using Object = Poco::JSON::Object::Ptr;

std::string field(const Object& command, const std::string& key)
{
    if (!command->has(key) || command->isNull(key))
        return {};
    return command->get(key).convert<std::string>();
}

std::string base64Decoded(const std::string& text)
{
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    return out;
}

/// MakeSignature's fields (hipki-protocol.md §3) as the reader takes them.
hipki::SignRequest signRequest(const std::string& package)
{
    Object command;
    try {
        auto parsed = Poco::JSON::Parser().parse(package);
        command = parsed.extract<Object>();
    } catch (const std::exception&) {
        throw HipkiFailure(hipki::code::BadJson, 0, "tbsPackage is not a JSON object");
    }
    if (field(command, "func") != "MakeSignature")
        throw HipkiFailure(hipki::code::UnsupportedMethod, 0, "func");
    hipki::SignRequest request;
    request.signatureType = field(command, "signatureType");
    if (request.signatureType != "PKCS7" && request.signatureType != "PKCS1")
        throw HipkiFailure(hipki::code::UnsupportedMethod, 0, "signatureType");
    const auto tbs = field(command, "tbs");
    if (tbs.empty())
        throw HipkiFailure(hipki::code::NoTbs, 0, "no tbs");
    // CHT's sample passes tbs and pin through encodeURIComponent: decode them once. [inf]
    const auto encoding = field(command, "tbsEncoding");
    if (encoding.empty() || encoding == "NONE")
        Poco::URI::decode(tbs, request.tbs);
    else if (encoding == "base64")
        request.tbs = base64Decoded(tbs);
    else
        throw HipkiFailure(hipki::code::BadParameter, 0, "tbsEncoding");
    if (auto hash = field(command, "hashAlgorithm"); !hash.empty())
        request.hashAlgorithm = hash;
    request.withCardSN = field(command, "withCardSN") == "true";
    request.nonce = field(command, "nonce");
    auto pin = field(command, "pin");
    Poco::URI::decode(pin, request.pin);
    OPENSSL_cleanse(pin.data(), pin.size());
    return request;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    Handler(hipki::HipkiCardReader& reader, const HipkiLocalServerDouble::Options& options)
        : reader_(reader)
        , options_(options)
    {
    }

    void handleRequest(
        Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        // POCO catches only its own exceptions around a handler: catch everything here.
        try {
            route(request, response);
        } catch (const std::exception& e) {
            if (!response.sent()) {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                response.send() << e.what();
            }
        }
    }

private:
    void route(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response)
    {
        const Poco::URI uri(request.getURI());
        const auto& path = uri.getPath();
        if (path == "/pkcs11info") {
            const bool withCertificates
                = uri.getRawQuery().find("withcert=true") != std::string::npos;
            Object answer;
            try {
                answer = reader_.info(withCertificates);
            } catch (const std::exception& e) {
                answer = failure("pkcs11info", HipkiFailure(0x76100001, 0, e.what()));
            }
            answer->set("serverVersion", options_.serverVersion);
            return sendJson(response, answer);
        }
        if (path == "/sign" && request.getMethod() == "POST") {
            Poco::Net::HTMLForm form(request, request.stream());
            Object answer;
            try {
                if (!form.has("tbsPackage"))
                    throw HipkiFailure(hipki::code::BadJson, 0, "no tbsPackage");
                auto sign = signRequest(form.get("tbsPackage"));
                answer = reader_.sign(sign);
            } catch (const HipkiFailure& e) {
                answer = failure("sign", e);
            }
            return sendJson(response, answer);
        }
        if (path == "/popupForm") {
            response.setContentType("text/html; charset=utf-8");
            response.send() << hipki::popupFormPage(options_.allowedDomains);
            return;
        }
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.send();
    }

    static Object failure(const char* func, const HipkiFailure& e)
    {
        Object answer = new Poco::JSON::Object;
        answer->set("func", func);
        answer->set("ret_code", e.retCode());
        answer->set("last_error", e.lastError());
        answer->set("message", std::string(e.what()));
        return answer;
    }

    static void sendJson(Poco::Net::HTTPServerResponse& response, const Object& answer)
    {
        // HiPKI sends no CORS headers: a page cannot read this with fetch (hence the popup).
        response.setContentType("application/json; charset=utf-8");
        answer->stringify(response.send());
    }

    hipki::HipkiCardReader& reader_;
    const HipkiLocalServerDouble::Options& options_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(hipki::HipkiCardReader& reader, const HipkiLocalServerDouble::Options& options)
        : reader_(reader)
        , options_(options)
    {
    }
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(reader_, options_);
    }

private:
    hipki::HipkiCardReader& reader_;
    const HipkiLocalServerDouble::Options& options_;
};

} // namespace

namespace {

/// The PKCS#11 module to load, with SOFTHSM2_CONF set first (SoftHSM2 reads it at C_Initialize).
std::string prepareModule(const HipkiLocalServerDouble::Options& options)
{
    if (!options.softhsmConf.empty())
        ::setenv("SOFTHSM2_CONF", options.softhsmConf.c_str(), 1);
    else if (!std::getenv("SOFTHSM2_CONF"))
        ::setenv("SOFTHSM2_CONF", TestPki::get().softhsmConf().c_str(), 1);
    return options.module.empty() ? TestPki::get().module() : options.module;
}

} // namespace

struct HipkiLocalServerDouble::Impl {
    explicit Impl(Options o)
        : options(std::move(o))
        , reader(prepareModule(options), options.card)
        , socket(Poco::Net::SocketAddress("127.0.0.1", options.port))
        , server(new Factory(reader, options), socket, new Poco::Net::HTTPServerParams)
    {
        server.start();
    }
    ~Impl() { server.stopAll(true); }

    Options options;
    hipki::HipkiCardReader reader;
    Poco::Net::ServerSocket socket;
    Poco::Net::HTTPServer server;
};

HipkiLocalServerDouble::HipkiLocalServerDouble(Options options)
    : impl_(std::make_unique<Impl>(std::move(options)))
{
}

HipkiLocalServerDouble::~HipkiLocalServerDouble() = default;

std::string HipkiLocalServerDouble::url() const
{
    return "http://127.0.0.1:" + std::to_string(port());
}

std::uint16_t HipkiLocalServerDouble::port() const
{
    return impl_->socket.address().port();
}

void HipkiLocalServerDouble::insert(const std::string& card)
{
    impl_->reader.insert(card);
}

} // namespace certgate::test
