// certgate-loadgen: the HTTP login benchmark's load generator (see README.md beside this file).
//
//   certgate-loadgen pki --template CERT --template-id ID --ca-cert CERT --ca-key KEY --out DIR
//                        [--count 1000] [--keys 100] [--threads 2]
//   certgate-loadgen login --port P --origin URL --tls-ca CA --cards DIR --logins N
//                        [--connections 16] [--rate R] [--repeat] [--pid PID[,PID...]]
//   certgate-loadgen mtls  --port P --tls-ca CA --cards DIR --logins N
//                        [--connections 16] [--rate R] [--repeat] [--pid PID[,PID...]]
//
// login: for every login, before the timed phase, starts a query-serial flow, gets a citizen
// nonce and signs it as the agent does (SPEC §5); the timed phase posts the tokens over
// keep-alive HTTPS connections that resume their TLS session when they reconnect, as a browser.
// mtls: every login is a new TLS connection with a full handshake presenting the card's
// certificate, and one GET (the nginx `ssl_verify_client on` baseline).
// login also takes --flow TYPE --step STEP --purpose P [--agency CODE] for the other card steps
// (operator-login; query-oid with --agency, an organisation card from --cert/--key).
// --requests-per-connection N closes a keep-alive connection after N requests (the next one
// resumes the TLS session); 0, the default, keeps it open.
//   certgate-loadgen get --port P --tls-ca CA --path PATH --logins N  (GET over keep-alive)
// Without --rate the loop is closed (saturation); with it, logins start at a fixed rate.
// Prints one JSON object; exits 2 when a login failed or a connection received no byte.
#include "Cards.hpp"
#include "Client.hpp"
#include "Runner.hpp"

#include <openssl/sha.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace certgate::bench {
namespace {

struct Args {
    std::map<std::string, std::string> values;

    Args(int argc, char** argv)
    {
        for (int i = 2; i < argc; ++i) {
            std::string key = argv[i];
            if (key.rfind("--", 0) != 0)
                throw std::invalid_argument("unexpected argument " + key);
            if (key == "--repeat")
                values[key] = "1";
            else if (i + 1 < argc)
                values[key] = argv[++i];
            else
                throw std::invalid_argument(key + " needs a value");
        }
    }
    std::string get(const std::string& key) const
    {
        auto it = values.find(key);
        if (it == values.end())
            throw std::invalid_argument("missing " + key);
        return it->second;
    }
    std::string get(const std::string& key, const std::string& fallback) const
    {
        auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
    int number(const std::string& key, int fallback) const
    {
        return std::stoi(get(key, std::to_string(fallback)));
    }
};

std::string post(const std::string& host, const std::string& origin, const std::string& path,
    const std::string& body, const std::string& cookie = {}, const std::string& csrf = {})
{
    std::string r = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin
        + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
        + "\r\n";
    if (!cookie.empty())
        r += "Cookie: " + cookie + "\r\n";
    if (!csrf.empty())
        r += "X-CSRF-Token: " + csrf + "\r\n";
    return r + "\r\n" + body;
}

std::string signToken(const Card& card, const std::string& origin, const std::string& nonce)
{
    unsigned char data[2 * SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(), data);
    SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(),
        data + SHA256_DIGEST_LENGTH);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t size = 0;
    std::vector<unsigned char> sig;
    if (EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, card.key.get()) != 1
        || EVP_DigestSign(md.get(), nullptr, &size, data, sizeof data) != 1)
        throw std::runtime_error("cannot sign the nonce");
    sig.resize(size);
    if (EVP_DigestSign(md.get(), sig.data(), &size, data, sizeof data) != 1)
        throw std::runtime_error("cannot sign the nonce");
    return R"({"format":"certgate-auth:1","certificate":")" + card.certBase64
        + R"(","algorithm":"RS256","signature":")" + base64(sig.data(), size)
        + R"(","agentVersion":"1.0.0"})";
}

// One keep-alive connection per worker that reconnects (resuming its TLS session) when the
// server closed it between requests.
class Browser {
public:
    Browser(SSL_CTX* ctx, const Target& target, ConnectionStats& stats, int requestsPerConnection)
        : connection_(ctx, target, stats)
        , stats_(stats)
        , requestsPerConnection_(requestsPerConnection)
    {
    }
    ~Browser()
    {
        if (session_)
            SSL_SESSION_free(session_);
    }
    Browser(const Browser&) = delete;
    Browser& operator=(const Browser&) = delete;

    bool send(const std::string& request, Response& response)
    {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!connection_.isOpen()) {
                if (!connection_.open(session_))
                    return false;
                sessionTaken_ = false;
            }
            bool reused = connection_.servedBefore();
            if (connection_.exchange(request, response)) {
                // TLS 1.3 tickets arrive after the handshake: the session is resumable once
                // the first response was read.
                if (!sessionTaken_) {
                    if (auto* s = connection_.session()) {
                        if (session_)
                            SSL_SESSION_free(session_);
                        session_ = s;
                    }
                    sessionTaken_ = true;
                }
                // A browser's connection does not live for ever: the next one resumes.
                if (requestsPerConnection_ > 0 && ++served_ >= requestsPerConnection_) {
                    connection_.close();
                    served_ = 0;
                }
                return true;
            }
            connection_.close();
            if (!reused)
                return false;
            stats_.reconnects++;
        }
        return false;
    }

private:
    Connection connection_;
    ConnectionStats& stats_;
    int requestsPerConnection_;
    int served_ = 0;
    bool sessionTaken_ = false;
    SSL_SESSION* session_ = nullptr;
};

void printResult(const std::string& mode, const Args& args, const RunOptions& options,
    const RunResult& r, const ConnectionStats& stats)
{
    double perLogin = r.ok > 0 ? r.serverCpuSeconds * 1000.0 / r.ok : 0;
    std::printf("{\"mode\":\"%s\",\"repeat\":%s,\"offeredRate\":%g,\"connections\":%d,"
                "\"logins\":%d,\"ok\":%d,\"failed\":%d,\"seconds\":%.3f,\"loginsPerSecond\":%.1f,"
                "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f,\"serverCpuMsPerLogin\":%.4f,"
                "\"serverRssMiB\":%.1f,\"tcpConnections\":%llu,\"noByteConnections\":%llu,"
                "\"resumedHandshakes\":%llu,\"reconnects\":%llu,\"firstError\":\"%s\"}\n",
        mode.c_str(), args.values.count("--repeat") ? "true" : "false", options.rate,
        options.workers, options.count, r.ok, r.failed, r.seconds,
        r.seconds > 0 ? r.ok / r.seconds : 0.0, r.p50Ms, r.p99Ms, r.maxMs, perLogin, r.serverRssMiB,
        static_cast<unsigned long long>(stats.opened.load()),
        static_cast<unsigned long long>(stats.noByte.load()),
        static_cast<unsigned long long>(stats.resumed.load()),
        static_cast<unsigned long long>(stats.reconnects.load()), r.firstError.c_str());
}

RunOptions runOptions(const Args& args)
{
    RunOptions options;
    options.count = args.number("--logins", 1000);
    options.workers = args.number("--connections", 16);
    options.rate = std::stod(args.get("--rate", "0"));
    options.serverPids = parsePids(args.get("--pid", ""));
    return options;
}

// What every mode shares: target, TLS context, counters, run options and, for the keep-alive
// modes, one Browser per worker.
struct Setup {
    Target target;
    SslCtx ctx;
    ConnectionStats stats;
    RunOptions options;
    std::vector<std::unique_ptr<Browser>> browsers;

    Setup(const Args& args, bool keepAlive)
        : ctx(makeClientContext(args.get("--tls-ca"), keepAlive))
        , options(runOptions(args))
    {
        target.port = args.number("--port", 0);
        for (int w = 0; keepAlive && w < options.workers; ++w)
            browsers.push_back(std::make_unique<Browser>(
                ctx.get(), target, stats, args.number("--requests-per-connection", 0)));
    }
    Browser& browser(int worker) { return *browsers[static_cast<std::size_t>(worker)]; }
    int finish(const std::string& mode, const Args& args, const RunResult& result)
    {
        browsers.clear();
        printResult(mode, args, options, result, stats);
        return result.failed == 0 && stats.noByte == 0 ? 0 : 2;
    }
};

// An error text safe inside the JSON output.
std::string failure(const std::string& what, const Response& response)
{
    std::string text
        = what + " -> " + std::to_string(response.status) + " " + response.body.substr(0, 160);
    for (auto& c : text)
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            c = '\'';
    return text;
}

// --cert FILE --key FILE [--national-id ID]: one card from the test PKI; else --cards DIR.
std::vector<Card> cardsFrom(const Args& args, bool repeat)
{
    if (args.values.count("--cert")) {
        std::vector<Card> one;
        one.push_back(
            loadCard(args.get("--cert"), args.get("--key"), args.get("--national-id", "")));
        return one;
    }
    return loadCards(args.get("--cards"), repeat ? 1 : 0);
}

// A login or query answered: 200 without an error in the body (a refusal can come as 200 with
// a notice, e.g. OID_MISMATCH).
bool answered(const Response& r)
{
    return r.status == 200 && r.body.find("\"error\":") == std::string::npos;
}

int login(const Args& args)
{
    Setup setup(args, true);
    auto origin = args.get("--origin");
    auto host = "localhost:" + std::to_string(setup.target.port);
    bool repeat = args.values.count("--repeat") > 0;
    auto cards = cardsFrom(args, repeat);
    auto flowType = args.get("--flow", "query-serial");
    auto step = args.get("--step", "citizen-card");
    auto purpose = args.get("--purpose", "citizen");
    auto agency = args.get("--agency", "");
    std::vector<std::string> requests(static_cast<std::size_t>(setup.options.count));
    RunOptions prepare = setup.options;
    prepare.rate = 0;
    prepare.serverPids.clear();
    auto prepared = run(prepare, [&](int w, int k, std::string& error) {
        const auto& card = cards[static_cast<std::size_t>(k) % cards.size()];
        Response r;
        if (!setup.browser(w).send(
                post(host, origin, "/api/v1/flows", R"({"type":")" + flowType + "\"}"), r)
            || r.status != 201) {
            error = failure("POST /api/v1/flows", r);
            return false;
        }
        auto id = jsonString(r.body, "id");
        auto csrf = jsonString(r.body, "csrfToken");
        auto cookie = r.cookie;
        auto path = "/api/v1/flows/" + id;
        if (!setup.browser(w).send(post(host, origin, path + "/challenge",
                                       R"({"purpose":")" + purpose + "\"}", cookie, csrf),
                r)
            || r.status != 200) {
            error = failure("POST challenge", r);
            return false;
        }
        auto nonce = jsonString(r.body, "nonce");
        auto who = agency.empty() ? R"({"nationalId":")" + card.nationalId
                                  : R"({"agencyCode":")" + agency;
        auto body = who + R"(","nonce":")" + nonce + R"(","token":)"
            + signToken(card, origin, nonce) + "}";
        requests[static_cast<std::size_t>(k)]
            = post(host, origin, path + "/" + step, body, cookie, csrf);
        return true;
    });
    if (prepared.failed > 0) {
        std::cerr << "certgate-loadgen: preparing " << prepared.failed
                  << " logins failed: " << prepared.firstError << "\n";
        return 2;
    }
    auto result = run(setup.options, [&](int w, int k, std::string& error) {
        Response r;
        if (!setup.browser(w).send(requests[static_cast<std::size_t>(k)], r) || !answered(r)) {
            error = failure("POST " + step, r);
            return false;
        }
        return true;
    });
    return setup.finish("login", args, result);
}

int mtls(const Args& args)
{
    Setup setup(args, false);
    auto cards = cardsFrom(args, args.values.count("--repeat") > 0);
    const std::string request = "GET / HTTP/1.1\r\nHost: localhost:"
        + std::to_string(setup.target.port) + "\r\nConnection: close\r\n\r\n";
    auto result = run(setup.options, [&](int, int k, std::string& error) {
        const auto& card = cards[static_cast<std::size_t>(k) % cards.size()];
        Connection connection(setup.ctx.get(), setup.target, setup.stats);
        Response r;
        if (!connection.open(nullptr, card.cert.get(), card.key.get())
            || !connection.exchange(request, r) || r.status != 200) {
            error = failure("mTLS GET /", r);
            return false;
        }
        return true;
    });
    return setup.finish("mtls", args, result);
}

// GET PATH over the keep-alive connections (the public receipts query).
int get(const Args& args)
{
    Setup setup(args, true);
    const std::string request = "GET " + args.get("--path")
        + " HTTP/1.1\r\nHost: localhost:" + std::to_string(setup.target.port) + "\r\n\r\n";
    auto result = run(setup.options, [&](int w, int, std::string& error) {
        Response r;
        if (!setup.browser(w).send(request, r) || !answered(r)) {
            error = failure("GET " + args.get("--path"), r);
            return false;
        }
        return true;
    });
    return setup.finish("get", args, result);
}

int pki(const Args& args)
{
    PkiOptions options;
    options.templateCert = args.get("--template");
    options.templateId = args.get("--template-id");
    options.caCert = args.get("--ca-cert");
    options.caKey = args.get("--ca-key");
    options.outDir = args.get("--out");
    options.count = args.number("--count", 1000);
    options.keys = args.number("--keys", 100);
    options.threads = args.number("--threads", 2);
    makeCards(options);
    return 0;
}

} // namespace
} // namespace certgate::bench

int main(int argc, char** argv)
{
    using namespace certgate::bench;
    try {
        std::string command = argc > 1 ? argv[1] : "";
        Args args(argc, argv);
        if (command == "pki")
            return pki(args);
        if (command == "login")
            return login(args);
        if (command == "mtls")
            return mtls(args);
        if (command == "get")
            return get(args);
        std::cerr << "usage: certgate-loadgen pki|login|mtls --option value ... (see the source)\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "certgate-loadgen: " << e.what() << "\n";
        return 1;
    }
}
