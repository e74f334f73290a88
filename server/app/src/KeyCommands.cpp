// certgate keys status / rotate / retire (issue 18 item 4, README "Rotating the keys"): the
// personal-data and audit key rings in files beside security.piiKeyFile and
// security.auditKeyFile (KeyFiles.hpp).
#include "Commands.hpp"
#include "KeyFiles.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/Services.hpp>
#include <certgate/core/Crypto.hpp>
#include <certgate/core/PiiRotation.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <openssl/crypto.h>

#include <filesystem>
#include <iostream>

namespace certgate::app {

namespace {

using Object = Poco::JSON::Object::Ptr;

constexpr const char* kKeysUsage
    = "keys status | keys rotate (--pii [--new-key FILE] [--batch-size N] [--max-batches N] | "
      "--audit [--new-key FILE]) | keys retire --pii ID";

struct KeyOptions {
    std::string purpose; ///< "pii" | "audit"
    std::string newKeyFile;
    std::string retireId;
    int batchSize = 500;
    int maxBatches = 0;
};

int positive(const std::string& option, const std::string& text)
{
    try {
        std::size_t used = 0;
        auto value = std::stoi(text, &used);
        if (used == text.size() && value >= 1)
            return value;
    } catch (const std::exception&) {
    }
    throw UsageError(option + " needs a number from 1");
}

KeyOptions parse(const std::vector<std::string>& rest)
{
    KeyOptions o;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        auto value = [&]() {
            if (i + 1 >= rest.size())
                throw UsageError(rest[i] + " needs a value");
            return rest[++i];
        };
        if (rest[i] == "--pii" || rest[i] == "--audit") {
            if (!o.purpose.empty())
                throw UsageError("give one of --pii and --audit");
            o.purpose = rest[i].substr(2);
            if (rest.front() == "retire" && o.purpose == "pii")
                o.retireId = value();
        } else if (rest[i] == "--new-key") {
            o.newKeyFile = value();
        } else if (rest[i] == "--batch-size") {
            o.batchSize = positive(rest[i], value());
        } else if (rest[i] == "--max-batches") {
            o.maxBatches = positive(rest[i], value());
        } else {
            throw UsageError("unexpected argument " + rest[i]);
        }
    }
    if (rest.front() != "status" && o.purpose.empty())
        throw UsageError("keys " + rest.front() + " needs --pii or --audit");
    return o;
}

const std::string& keyFile(const Config& config, const std::string& purpose)
{
    const auto& file = purpose == "pii" ? config.piiKeyFile : config.auditKeyFile;
    if (file.empty())
        throw std::runtime_error("security." + purpose
            + "Key is given inline: key rotation needs the key in a file (security." + purpose
            + "KeyFile)");
    return file;
}

Poco::JSON::Array::Ptr idsJson(const core::KeyRing& ring)
{
    Poco::JSON::Array::Ptr ids = new Poco::JSON::Array;
    for (const auto& id : ring.ids())
        ids->add(id);
    return ids;
}

/// Adds the next key to the ring of `purpose` (random, or the one in --new-key) and makes it
/// current; its id.
std::string addKey(Services& services, const std::string& purpose, const std::string& newKeyFile)
{
    auto& ring = purpose == "pii" ? services.piiKeys() : services.auditKeys();
    const auto id = core::KeyRing::nextId(ring.ids());
    auto bytes = newKeyFile.empty() ? core::randomBytes(32)
                                    : parseKeyText(readArgumentFile(newKeyFile), newKeyFile);
    writeKeyFile(keyFile(services.config(), purpose), id, bytes);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    ring.reload();
    if (ring.currentId() != id)
        throw std::runtime_error("the new key " + id + " did not become the current one");
    return id;
}

void print(const Object& out)
{
    out->stringify(std::cout, 2);
    std::cout << std::endl;
}

int status(Services& services)
{
    const auto currentPrefix = core::PiiProtector::ciphertextPrefix(services.pii().currentKeyId());
    Object pii = new Poco::JSON::Object;
    pii->set("keys", idsJson(services.piiKeys()));
    pii->set("current", services.piiKeys().currentId());
    pii->set("rowsUnderOlderKeys", services.storage().countNationalIds(currentPrefix, false));
    Object audit = new Poco::JSON::Object;
    audit->set("keys", idsJson(services.auditKeys()));
    audit->set("current", services.auditKeys().currentId());
    Object out = new Poco::JSON::Object;
    out->set("pii", pii);
    out->set("audit", audit);
    print(out);
    return 0;
}

int rotatePii(Services& services, const KeyOptions& o)
{
    keyFile(services.config(), "pii");
    core::PiiRotation rotation(services.storage(), services.pii(), services.audit());
    const bool unfinished = services.piiKeys().currentId() != "1" && rotation.remaining() > 0;
    if (unfinished && !o.newKeyFile.empty())
        throw UsageError("the rotation to personal-data key " + services.piiKeys().currentId()
            + " is not finished: run keys rotate --pii without --new-key to finish it first");
    if (!unfinished) {
        const auto previous = services.piiKeys().currentId();
        const auto id = addKey(services, "pii", o.newKeyFile);
        services.audit().append({ "cli", "keys.pii-key-added", "ok", "", "", "",
            R"({"key":")" + id + R"(","previous":")" + previous + R"("})" });
    }
    auto progress = rotation.run("cli", o.batchSize, o.maxBatches);
    Object out = new Poco::JSON::Object;
    out->set("key", progress.key);
    out->set("rewritten", progress.rewritten);
    out->set("changedMeanwhile", progress.changedMeanwhile);
    out->set("unreadable", progress.unreadable);
    out->set("batches", progress.batches);
    out->set("remaining", progress.remaining);
    out->set("finished", progress.finished);
    print(out);
    if (progress.unreadable > 0) {
        std::cerr << "certgate: " << progress.unreadable
                  << " national IDs decrypt under no key of the ring; they stay as they are\n";
        return 1;
    }
    if (!progress.finished)
        std::cerr << "certgate: warning: " << progress.remaining
                  << " national IDs remain under older keys: run certgate keys rotate --pii "
                     "again to continue\n";
    return 0;
}

int rotateAudit(Services& services, const KeyOptions& o)
{
    const auto previous = services.auditKeys().currentId();
    const auto id = addKey(services, "audit", o.newKeyFile);
    // The first row under the new key: it links to the last row of the old one.
    auto event = services.audit().append({ "cli", "keys.audit-key-added", "ok", "", "", "",
        R"({"key":")" + id + R"(","previous":")" + previous + R"("})" });
    Object out = new Poco::JSON::Object;
    out->set("key", id);
    out->set("previous", previous);
    out->set("firstSeq", event.seq);
    print(out);
    return 0;
}

int retire(Services& services, const KeyOptions& o)
{
    if (o.purpose != "pii")
        throw UsageError("audit keys are never retired: the rows they made verify with them");
    const auto& id = o.retireId;
    auto& ring = services.piiKeys();
    if (!ring.has(id))
        throw std::runtime_error("personal-data key " + id + " is not in the key ring");
    if (id == ring.currentId())
        throw std::runtime_error(
            "personal-data key " + id + " is the current one: rotate to a new key first");
    const auto prefix = core::PiiProtector::ciphertextPrefix(id);
    if (auto rows = services.storage().countNationalIds(prefix, true); rows > 0)
        throw std::runtime_error(std::to_string(rows) + " national IDs are still under key " + id
            + ": run certgate keys rotate --pii first");
    if (auto flows = services.storage().countFlowsHolding(prefix); flows > 0)
        throw std::runtime_error(std::to_string(flows)
            + " functions in progress still hold values of key " + id
            + ": retry when they have ended (portal.flowMaxSeconds), after certgate keys rotate "
              "--pii");
    const auto file = keyFilePath(keyFile(services.config(), "pii"), id);
    services.audit().append(
        { "cli", "keys.pii-key-retired", "ok", "", "", "", R"({"key":")" + id + R"("})" });
    std::filesystem::remove(file);
    ring.reload();
    return 0;
}

} // namespace

int keys(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    if (rest.empty()
        || (rest.front() != "status" && rest.front() != "rotate" && rest.front() != "retire"))
        throw UsageError(std::string("keys needs ") + kKeysUsage);
    const auto options = parse(rest);
    Services services(config, false);
    if (rest.front() == "status")
        return status(services);
    if (rest.front() == "retire")
        return retire(services, options);
    return options.purpose == "pii" ? rotatePii(services, options) : rotateAudit(services, options);
}

} // namespace certgate::app
