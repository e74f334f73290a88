#include "Logging.hpp"

#include <certgate/core/RequestId.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/FileChannel.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <cstdlib>
#include <sstream>

namespace certgate::app {

namespace {

const char* levelName(Poco::Message::Priority priority)
{
    switch (priority) {
    case Poco::Message::PRIO_FATAL:
        return "fatal";
    case Poco::Message::PRIO_CRITICAL:
        return "critical";
    case Poco::Message::PRIO_ERROR:
        return "error";
    case Poco::Message::PRIO_WARNING:
        return "warning";
    case Poco::Message::PRIO_NOTICE:
        return "notice";
    case Poco::Message::PRIO_INFORMATION:
        return "information";
    case Poco::Message::PRIO_DEBUG:
        return "debug";
    case Poco::Message::PRIO_TRACE:
        return "trace";
    }
    return "information";
}

/// "2026-12-07T13:05:00.123Z information certgate.http: GET /api/v1/health 200 0ms
/// [5f0c2a9e-0000002a]"; or the same facts as one JSON object per line.
class LineFormatter : public Poco::Formatter {
public:
    explicit LineFormatter(bool json)
        : json_(json)
    {
    }

    void format(const Poco::Message& message, std::string& text) override
    {
        auto time = Poco::DateTimeFormatter::format(message.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
        const auto& requestId = core::currentRequestId();
        if (!json_) {
            // The level as POCO's %p writes it ("Information"), as the log has always read.
            std::string level = levelName(message.getPriority());
            level[0] = static_cast<char>(level[0] - 'a' + 'A');
            text = time + " " + level + " " + message.getSource() + ": " + message.getText();
            if (!requestId.empty())
                text += " [" + requestId + "]";
            return;
        }
        Poco::JSON::Object line;
        line.set("time", time);
        line.set("level", levelName(message.getPriority()));
        line.set("logger", message.getSource());
        line.set("message", message.getText());
        if (!requestId.empty())
            line.set("requestId", requestId);
        std::ostringstream out;
        line.stringify(out);
        text = out.str();
    }

private:
    bool json_;
};

void install(bool json, Poco::Channel* sink)
{
    Poco::AutoPtr<Poco::Formatter> formatter(new LineFormatter(json));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, sink));
    Poco::Logger::root().setChannel(channel);
    // Loggers made before this point (static ones in the libraries) keep the channel they
    // were given: hand the new one to every existing logger too.
    std::vector<std::string> names;
    Poco::Logger::names(names);
    for (const auto& name : names)
        Poco::Logger::get(name).setChannel(channel);
}

} // namespace

void setUpDefaultLogging()
{
    install(false, new Poco::ConsoleChannel);
    const char* level = std::getenv("CERTGATE_LOG_LEVEL");
    Poco::Logger::root().setLevel(level && *level ? level : "information");
}

void applyLoggingConfig(const Config& config)
{
    Poco::Channel* sink = nullptr;
    if (config.logFile.empty()) {
        sink = new Poco::ConsoleChannel;
    } else {
        auto* file = new Poco::FileChannel(config.logFile);
        file->setProperty("flush", "true");
        sink = file;
    }
    install(config.logFormat == "json", sink);
    const char* level = std::getenv("CERTGATE_LOG_LEVEL");
    auto chosen = level && *level ? std::string(level) : config.logLevel;
    Poco::Logger::root().setLevel(chosen);
    std::vector<std::string> names;
    Poco::Logger::names(names);
    for (const auto& name : names)
        Poco::Logger::get(name).setLevel(chosen);
}

} // namespace certgate::app
