#include <certgate/agent/AgentApi.hpp>
#include <certgate/agent/AgentServer.hpp>
#include <certgate/agent/Cli.hpp>
#include <certgate/agent/Config.hpp>
#include <certgate/agent/Pkcs11CardService.hpp>
#include <certgate/net/HttpEngine.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <string>
#include <vector>

using namespace certgate::agent;

namespace {

const char* const usage = R"(usage:
  certgate-agent serve [options]
  certgate-agent list  [options] [--json]
  certgate-agent sign  [options] --origin ORIGIN --nonce NONCE --token LABEL [--key-id ID]
options:
  --config FILE          JSON configuration (default /etc/certgate/agent.json if present)
  --port N               listening port for serve (0 = ephemeral; default 27161)
  --module PATH          PKCS#11 module (default OpenSC's opensc-pkcs11.so)
  --allow-origin ORIGIN  allowed web origin (repeatable; replaces the configured list)
  --verbose              log to stderr (list, sign)
sign reads the PIN from the terminal without echo, or from stdin when it is not a terminal.
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::string command;
    std::optional<std::string> configPath;
    std::optional<long> port;
    std::optional<std::string> module;
    std::vector<std::string> allowOrigins;
    bool json = false;
    bool verbose = false;
    std::string origin, nonce, token, keyId;
};

Options parseArguments(int argc, char** argv)
{
    Options o;
    if (argc < 2)
        throw UsageError("missing command");
    o.command = argv[1];
    if (o.command == "--help" || o.command == "-h" || o.command == "help") {
        o.command = "help";
        return o;
    }
    if (o.command != "serve" && o.command != "list" && o.command != "sign")
        throw UsageError("unknown command " + o.command);
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            // `certgate-agent sign --help`: the usage, on stdout, exit 0.
            o.command = "help";
            return o;
        }
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--config")
            o.configPath = value();
        else if (arg == "--port") {
            auto text = value();
            try {
                std::size_t used = 0;
                o.port = std::stol(text, &used);
                if (used != text.size() || *o.port < 0 || *o.port > 65535)
                    throw std::out_of_range("port");
            } catch (const std::exception&) {
                throw UsageError("--port must be 0..65535");
            }
        } else if (arg == "--module")
            o.module = value();
        else if (arg == "--allow-origin")
            o.allowOrigins.push_back(value());
        else if (arg == "--json" && o.command == "list")
            o.json = true;
        else if (arg == "--verbose")
            o.verbose = true;
        else if (arg == "--origin" && o.command == "sign")
            o.origin = value();
        else if (arg == "--nonce" && o.command == "sign")
            o.nonce = value();
        else if (arg == "--token" && o.command == "sign")
            o.token = value();
        else if (arg == "--key-id" && o.command == "sign")
            o.keyId = value();
        else if (arg == "--pin")
            throw UsageError("the PIN is never taken from the command line: type it when asked, or "
                             "pipe it on stdin");
        else
            throw UsageError("unknown option " + arg);
    }
    if (o.command == "sign" && (o.origin.empty() || o.nonce.empty() || o.token.empty()))
        throw UsageError("sign needs --origin, --nonce and --token");
    return o;
}

AgentConfig resolveConfig(const Options& o)
{
    AgentConfig config;
    if (o.configPath)
        config = loadConfigFile(*o.configPath);
    else if (std::filesystem::exists(defaultConfigPath))
        config = loadConfigFile(defaultConfigPath);
    if (o.port)
        config.port = static_cast<std::uint16_t>(*o.port);
    if (o.module)
        config.module = *o.module;
    if (!o.allowOrigins.empty()) {
        config.allowedOrigins.clear();
        for (const auto& origin : o.allowOrigins)
            config.allowedOrigins.push_back(normaliseOrigin(origin));
    }
    return config;
}

void setUpLogging(const std::string& level)
{
    Poco::AutoPtr<Poco::PatternFormatter> formatter(
        new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %s: %t"));
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(level);
    // Loggers created before the root was configured keep their old settings.
    Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
    Poco::Logger::setChannel("", channel);
}

int serve(const AgentConfig& config)
{
    // Block the stop signals in every thread (threads inherit the mask) and wait for them here,
    // so that shutdown runs on the main thread in order.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    auto& log = Poco::Logger::get("certgate-agent");
    auto cards = makePkcs11CardService(config.module, config.busyTimeout);
    AgentApi api(*cards, OriginPolicy(config.allowedOrigins),
        PinGuard::Limits { config.maxWrongPins, config.wrongPinWindow });
    std::optional<AgentServer> listening;
    try {
        listening.emplace(api, config.port);
    } catch (const certgate::net::AddressInUse&) {
        // Say plainly what holds the port and what to do (issue 15 item 1).
        std::cerr << "certgate-agent: 127.0.0.1:" << config.port
                  << " 已被其他程式使用（可能是另一個 certgate-agent"
                  << (config.port == hipkiPort ? "，或中華電信 HiPKI Local Server 跨平台網頁元件"
                                               : "")
                  << "）。請結束該程式，或以 --port 或設定檔的 \"port\" "
                     "改用其他連接埠，並將入口網站設定的 agent.url 改為相同的埠號。\n"
                  << "certgate-agent: port " << config.port
                  << " on 127.0.0.1 is already in use (another certgate-agent"
                  << (config.port == hipkiPort ? ", or CHT's HiPKI Local Server" : "")
                  << "). Stop that program, or choose another port with --port or \"port\" in the "
                     "configuration file, and set the portal's agent.url to the same port."
                  << std::endl;
        return 3;
    }
    auto& server = *listening;
    server.start();
    if (config.allowedOrigins.empty())
        log.warning("no allowed origins configured: every web page will be refused");
    std::cout << "certgate-agent: listening on http://127.0.0.1:" << server.port() << std::endl;

    int signal = 0;
    sigwait(&stopSignals, &signal);
    log.information("signal %d: stopping", signal);
    server.stop();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    AgentConfig config;
    try {
        options = parseArguments(argc, argv);
        if (options.command == "help") {
            std::cout << usage;
            return 0;
        }
        config = resolveConfig(options);
    } catch (const std::exception& e) {
        std::cerr << "certgate-agent: " << e.what() << "\n" << usage;
        return 2;
    }
    try {
        if (options.command == "serve") {
            setUpLogging(config.logLevel);
            return serve(config);
        }
        // The CLI's stdout is the answer; keep stderr quiet unless asked.
        setUpLogging(options.verbose ? config.logLevel : std::string("none"));
        auto cards = makePkcs11CardService(config.module, config.busyTimeout);
        if (options.command == "list")
            return runList(*cards, options.json, std::cout);
        auto pin = readPin(std::cin, std::cerr);
        return runSign(
            *cards, options.origin, options.nonce, options.token, options.keyId, pin, std::cout);
    } catch (const std::exception& e) {
        std::cerr << "certgate-agent: " << e.what() << std::endl;
        return 1;
    }
}
