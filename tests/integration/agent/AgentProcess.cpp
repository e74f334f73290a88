#include "AgentProcess.hpp"

#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Parser.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace certgate::test {
namespace {

using Bytes = std::vector<unsigned char>;

std::string base64(const Bytes& data)
{
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    auto n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes unbase64(const std::string& text)
{
    Bytes out(text.size() / 4 * 3 + 3);
    auto n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
        static_cast<int>(text.size()));
    if (n < 0 || text.size() % 4 != 0)
        throw std::runtime_error("bad base64");
    auto size = static_cast<std::size_t>(n);
    if (!text.empty() && text.back() == '=')
        --size;
    if (text.size() > 1 && text[text.size() - 2] == '=')
        --size;
    out.resize(size);
    return out;
}

} // namespace

AgentOptions withModule(
    std::string module, std::string softhsmConf, std::map<std::string, std::string> environment)
{
    AgentOptions options;
    options.module = std::move(module);
    options.softhsmConf = std::move(softhsmConf);
    options.environment = std::move(environment);
    return options;
}

std::string base64Of(const std::vector<std::uint8_t>& bytes)
{
    return base64(Bytes(bytes.begin(), bytes.end()));
}

std::string agentBinary()
{
    return CERTGATE_AGENT_BINARY;
}
std::string lockoutModule()
{
    return CERTGATE_LOCKOUT_MODULE;
}

std::string randomNonce()
{
    Bytes bytes(32);
    RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
    return base64(bytes);
}

Poco::JSON::Object::Ptr parseJson(const std::string& text)
{
    // The CLI's output may be preceded by a module's own chatter on stderr: take the JSON line.
    auto start = text.find('{');
    auto end = text.rfind('}');
    if (start == std::string::npos || end == std::string::npos)
        throw std::runtime_error("no JSON in: " + text);
    Poco::JSON::Parser parser;
    return parser.parse(text.substr(start, end - start + 1)).extract<Poco::JSON::Object::Ptr>();
}

AgentProcess::AgentProcess(AgentOptions options)
{
    const auto& pki = TestPki::get();
    softhsmConf_ = options.softhsmConf;
    if (softhsmConf_.empty()) {
        tokens_ = std::make_unique<TempDir>("certgate-agent-tokens");
        softhsmConf_ = copySofthsmTokens(tokens_->path());
    }
    std::vector<std::string> args { "serve", "--port", "0", "--module",
        options.module.empty() ? pki.module() : options.module };
    for (const auto& origin : options.allowedOrigins) {
        args.push_back("--allow-origin");
        args.push_back(origin);
    }
    auto env = options.environment;
    env["SOFTHSM2_CONF"] = softhsmConf_;
    process_ = std::make_unique<ChildProcess>(agentBinary(), args, env);
    url_ = process_->waitForListening();
}

HttpResponse AgentProcess::get(const std::string& path, std::map<std::string, std::string> headers)
{
    return httpRequest("GET", url_ + path, {}, headers);
}

HttpResponse AgentProcess::sign(const std::string& token, const std::string& nonce,
    const std::string& pin, const std::string& origin, const std::string& keyId)
{
    Poco::JSON::Object body;
    body.set("token", token);
    body.set("nonce", nonce);
    body.set("pin", pin);
    if (!keyId.empty())
        body.set("keyId", keyId);
    std::ostringstream text;
    body.stringify(text);
    std::map<std::string, std::string> headers { { "Content-Type", "application/json" } };
    if (!origin.empty())
        headers["Origin"] = origin;
    return httpRequest("POST", url_ + "/v1/sign", text.str(), headers);
}

std::string verifyAuthToken(
    const std::string& tokenJson, const std::string& origin, const std::string& nonce)
{
    auto token = parseJson(tokenJson);
    if (token->getValue<std::string>("format") != "certgate-auth:1")
        return "wrong format";
    if (token->getValue<std::string>("agentVersion") != "1.0.0")
        return "wrong agentVersion";
    auto der = unbase64(token->getValue<std::string>("certificate"));
    auto signature = unbase64(token->getValue<std::string>("signature"));
    auto algorithm = token->getValue<std::string>("algorithm");
    const unsigned char* p = der.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
    if (!cert)
        return "certificate does not parse";
    Bytes data(64);
    SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(), data.data());
    SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(), data.data() + 32);
    const EVP_MD* md = algorithm == "ES384" ? EVP_sha384() : EVP_sha256();
    if (algorithm == "ES256" || algorithm == "ES384") {
        std::size_t half = algorithm == "ES256" ? 32 : 48;
        if (signature.size() != 2 * half)
            return "raw R||S has the wrong length " + std::to_string(signature.size());
        std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
        ECDSA_SIG_set0(sig.get(), BN_bin2bn(signature.data(), static_cast<int>(half), nullptr),
            BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
        unsigned char* out = nullptr;
        int size = i2d_ECDSA_SIG(sig.get(), &out);
        signature.assign(out, out + size);
        OPENSSL_free(out);
    } else if (algorithm != "RS256") {
        return "unknown algorithm " + algorithm;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, X509_get0_pubkey(cert.get())) != 1)
        return "cannot initialise verification";
    if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size())
        != 1)
        return "signature does not verify";
    return {};
}

} // namespace certgate::test
