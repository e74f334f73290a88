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

#include <algorithm>
#include <cstdlib>
#include <mutex>
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

/// HiPKI's domain list (whiteList.txt): what addDomain adds to, what popupForm serves.
class DomainList {
public:
    explicit DomainList(std::vector<std::string> domains)
        : domains_(std::move(domains))
    {
    }
    std::vector<std::string> get() const
    {
        std::lock_guard lock(mutex_);
        return domains_;
    }
    void add(const std::string& domain)
    {
        std::lock_guard lock(mutex_);
        if (std::find(domains_.begin(), domains_.end(), domain) == domains_.end())
            domains_.push_back(domain);
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> domains_;
};

/// /p11Image.bmp (hipki-protocol.md §2): `text` as the pixels of a 2000x1 24-bit bitmap, three
/// characters a pixel in the order clients read them back from a canvas (blue, green, red),
/// zeros after the end. A BMP stores a pixel as blue, green, red: the bytes are the text.
std::string p11Image(const std::string& text)
{
    constexpr std::uint32_t width = 2000;
    constexpr std::uint32_t pixelBytes = width * 3; // a multiple of 4: no row padding
    std::string pixels = text.substr(0, pixelBytes - 3);
    pixels.resize(pixelBytes, '\0');
    std::string out;
    const auto put = [&out](std::uint32_t value, int bytes) {
        for (int i = 0; i < bytes; ++i)
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    };
    out += "BM";
    put(14 + 40 + pixelBytes, 4); // file size
    put(0, 4);
    put(14 + 40, 4); // pixel offset
    put(40, 4); // BITMAPINFOHEADER
    put(width, 4);
    put(1, 4); // height
    put(1, 2); // planes
    put(24, 2); // bits per pixel
    put(0, 4); // BI_RGB
    put(pixelBytes, 4);
    put(2835, 4);
    put(2835, 4);
    put(0, 4);
    put(0, 4);
    return out + pixels;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    Handler(hipki::HipkiCardReader& reader, const HipkiLocalServerDouble::Options& options,
        DomainList& domains)
        : reader_(reader)
        , options_(options)
        , domains_(domains)
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
        // DOUBLE ONLY (Options::corsOrigin): a HiPKI that answered CORS, for the pages' direct
        // path. Set before any route, so that /pkcs11info and /sign carry it.
        if (!options_.corsOrigin.empty() && request.get("Origin", "") == options_.corsOrigin)
            response.set("Access-Control-Allow-Origin", options_.corsOrigin);
        if (path == "/pkcs11info")
            return sendJson(
                response, info(uri.getRawQuery().find("withcert=true") != std::string::npos));
        if (path == "/p11Image.bmp") {
            std::ostringstream text;
            info(false)->stringify(text);
            response.setContentType("image/bmp");
            response.send() << p11Image(text.str());
            return;
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
            response.send() << hipki::popupFormPage(domains_.get());
            return;
        }
        if (path == "/addDomain") {
            Poco::Net::HTMLForm form(request, request.stream());
            const auto domain = form.get("domain", "");
            if (request.getMethod() == "POST") {
                // The double's own page posts the user's yes (a page elsewhere cannot add
                // itself: its Origin is not the double's).
                Object answer = new Poco::JSON::Object;
                answer->set("func", "addDomain");
                const bool ownPage = request.get("Origin", "") == origin(request);
                if (ownPage && !domain.empty())
                    domains_.add(domain);
                answer->set(
                    "ret_code", ownPage && !domain.empty() ? 0 : hipki::code::ForbiddenDomain);
                answer->set("last_error", 0);
                return sendJson(response, answer);
            }
            response.setContentType("text/html; charset=utf-8");
            response.send() << hipki::addDomainPage(domain);
            return;
        }
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.send();
    }

    Object info(bool withCertificates)
    {
        Object answer;
        try {
            answer = reader_.info(withCertificates);
        } catch (const std::exception& e) {
            answer = failure("pkcs11info", HipkiFailure(0x76100001, 0, e.what()));
        }
        answer->set("serverVersion", options_.serverVersion);
        return answer;
    }

    static std::string origin(const Poco::Net::HTTPServerRequest& request)
    {
        return "http://" + request.getHost();
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
        // HiPKI sends no CORS headers: a page cannot read this with fetch (hence the popup);
        // the double does only when told to (Options::corsOrigin).
        response.setContentType("application/json; charset=utf-8");
        answer->stringify(response.send());
    }

    hipki::HipkiCardReader& reader_;
    const HipkiLocalServerDouble::Options& options_;
    DomainList& domains_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(hipki::HipkiCardReader& reader, const HipkiLocalServerDouble::Options& options,
        DomainList& domains)
        : reader_(reader)
        , options_(options)
        , domains_(domains)
    {
    }
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(reader_, options_, domains_);
    }

private:
    hipki::HipkiCardReader& reader_;
    const HipkiLocalServerDouble::Options& options_;
    DomainList& domains_;
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
        , reader(prepareModule(options), options.card, options.reader)
        , domains(options.allowedDomains)
        , socket(Poco::Net::SocketAddress("127.0.0.1", options.port))
        , server(new Factory(reader, options, domains), socket, new Poco::Net::HTTPServerParams)
    {
        reader.countPinTries(options.pinTries);
        for (const auto& card : options.lockedCards)
            reader.lock(card);
        server.start();
    }
    ~Impl() { server.stopAll(true); }

    Options options;
    hipki::HipkiCardReader reader;
    DomainList domains;
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

std::vector<std::string> HipkiLocalServerDouble::allowedDomains() const
{
    return impl_->domains.get();
}

} // namespace certgate::test
