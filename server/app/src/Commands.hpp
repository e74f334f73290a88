#pragma once

#include "Files.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace certgate::app {

/// A command line that cannot be run as written: exit code 2 with the message.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The arguments after the subcommand, consumed front to back.
class Args {
public:
    explicit Args(std::vector<std::string> args)
        : args_(std::move(args))
    {
    }
    bool more() const { return next_ < args_.size(); }
    std::string next() { return args_.at(next_++); }
    /// The value following an option.
    std::string value(const std::string& option)
    {
        if (!more())
            throw UsageError(option + " needs a value");
        return next();
    }

private:
    std::vector<std::string> args_;
    std::size_t next_ = 0;
};

std::int64_t parseTime(const std::string& text);

/// Takes --config FILE out of `args` (default $CERTGATE_CONFIG, then
/// /etc/certgate/certgate.json) and leaves the other arguments in `rest`.
inline std::string configOption(Args& args, std::vector<std::string>& rest)
{
    std::string file;
    while (args.more()) {
        auto arg = args.next();
        if (arg == "--config")
            file = args.value(arg);
        else
            rest.push_back(arg);
    }
    if (file.empty()) {
        if (const char* env = std::getenv("CERTGATE_CONFIG"); env && *env)
            file = env;
        else if (file = "/etc/certgate/certgate.json"; !std::filesystem::exists(file))
            throw UsageError("no configuration: " + file
                + " does not exist; name one with --config FILE or CERTGATE_CONFIG (the demo's is"
                  " --config build/demo/certgate.json)");
    }
    return file;
}

/// A file named on the command line; UsageError when it cannot be read.
inline std::string readArgumentFile(const std::string& path)
{
    try {
        return readWholeFile(path);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
}

int serve(Args args);
int migrate(Args args);
int importAgencies(Args args);
int staff(Args args);
int audit(Args args);
int keys(Args args);
int backup(Args args);
int restore(Args args);
int inspectCert(Args args);
int verifyToken(Args args);
int ca(Args args);
int version();

} // namespace certgate::app
