// certgate ca status / ca import (issue 13): the trust material of the CA profiles, for the
// people who run the server.
#include "CaImport.hpp"
#include "Commands.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/TrustStatus.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace certgate::app {

namespace {

constexpr const char* kCaUsage = R"(usage: certgate ca status [--json] [--profiles DIR] [--at TIME]
       certgate ca import FILE... [--apply] [--profiles DIR] [--profile ID]...
                          [--anchor FILE --sha256 FINGERPRINT]

status   per CA profile: its anchors and issuing-CA certificates with their expiry, whether it
         can accept any card now, its revocation mode and what is wrong. Exit 1 when a profile
         cannot accept cards, 0 when all can.
import   CA certificates as the CAs publish them (PEM, DER .cer/.crt, PKCS#7 .p7b bundles),
         each verified by signature up to an anchor a profile already pins (issuers matched by
         key identifier). Shows what it would add; writes only with --apply. Test CAs (測試),
         end-entity certificates and anything that does not chain are refused.
           --profile ID   the profile an issuing CA goes to, when no profile names it
           --anchor FILE --sha256 FP   pin a new root generation (its DER SHA-256 must be FP)
         A running server takes the result up on SIGHUP or from the admin page.

--profiles defaults to the configured cas.profiles ($CERTGATE_CONFIG), else the shipped ones.
)";

std::string profilesDefault()
{
    if (const char* env = std::getenv("CERTGATE_CONFIG"); env && *env) {
        try {
            return loadConfig(env).caProfiles;
        } catch (const std::exception&) {
        }
    }
    return defaultCaProfilesDir();
}

bool wantsHelp(const std::string& arg)
{
    return arg == "--help" || arg == "-h";
}

int status(Args args)
{
    std::string profiles;
    bool json = false;
    std::int64_t at = static_cast<std::int64_t>(std::time(nullptr));
    while (args.more()) {
        auto arg = args.next();
        if (wantsHelp(arg)) {
            std::cout << kCaUsage;
            return 0;
        }
        if (arg == "--json")
            json = true;
        else if (arg == "--profiles")
            profiles = args.value(arg);
        else if (arg == "--at")
            at = parseTime(args.value(arg));
        else
            throw UsageError("unexpected argument " + arg);
    }
    auto report = trustStatus(profiles.empty() ? profilesDefault() : profiles, at);
    if (json) {
        trustStatusJson(report)->stringify(std::cout, 2);
        std::cout << std::endl;
    } else {
        std::cout << trustStatusText(report);
    }
    return report.allAcceptCards() ? 0 : 1;
}

const char* verdictText(ImportItem::Verdict verdict)
{
    switch (verdict) {
    case ImportItem::Verdict::Add:
        return "add";
    case ImportItem::Verdict::Present:
        return "present";
    case ImportItem::Verdict::Refused:
        return "refused";
    }
    return "?";
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

int import(Args args)
{
    std::string profiles;
    ImportOptions options;
    std::vector<std::string> files;
    bool apply = false;
    while (args.more()) {
        auto arg = args.next();
        if (wantsHelp(arg)) {
            std::cout << kCaUsage;
            return 0;
        }
        if (arg == "--apply")
            apply = true;
        else if (arg == "--profiles")
            profiles = args.value(arg);
        else if (arg == "--profile")
            options.profiles.push_back(args.value(arg));
        else if (arg == "--anchor")
            options.anchorFile = args.value(arg);
        else if (arg == "--sha256")
            options.anchorSha256 = args.value(arg);
        else if (arg.starts_with("--"))
            throw UsageError("unexpected argument " + arg);
        else
            files.push_back(arg);
    }
    if (options.anchorFile.empty() != options.anchorSha256.empty())
        throw UsageError("--anchor FILE and --sha256 FINGERPRINT go together");
    if (!options.anchorFile.empty())
        files.push_back(options.anchorFile);
    if (files.empty())
        throw UsageError("ca import needs one or more certificate files (PEM, DER or PKCS#7)");
    if (profiles.empty())
        profiles = profilesDefault();

    std::vector<ImportInput> inputs;
    int unreadable = 0;
    for (const auto& file : files) {
        auto contents = readArgumentFile(file);
        try {
            inputs.push_back({ file,
                x509::readCaCertificates(std::span(
                    reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size())) });
        } catch (const std::exception& e) {
            std::cerr << "certgate: " << file << ": no PEM, DER or PKCS#7 certificate in it\n";
            ++unreadable;
        }
    }
    auto loaded = pluginhost::ProfileLoader::loadFolder(profiles);
    for (const auto& error : loaded.errors)
        std::cerr << "certgate: warning: CA profile refused: " << error.message << "\n";
    std::vector<ImportItem> plan;
    try {
        plan = planImport(loaded, inputs, options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }

    int added = 0;
    int refused = unreadable;
    for (const auto& item : plan) {
        const auto& c = item.certificate;
        std::cout << verdictText(item.verdict) << "  " << c.subject << "\n"
                  << "    file " << item.source << "; key id " << c.keyId << "; sha256 " << c.sha256
                  << "\n";
        if (item.verdict == ImportItem::Verdict::Refused) {
            std::cout << "    " << item.reason << "\n";
            ++refused;
            continue;
        }
        std::cout << "    " << item.role << " of " << joined(item.profiles) << "\n";
        if (!item.chainsTo.empty())
            std::cout << "    verified by signature under " << item.chainsTo << "\n";
        if (!item.fingerprint.empty())
            std::cout << "    " << item.fingerprint << "\n";
        if (item.fingerprintMismatch)
            std::cerr << "certgate: warning: " << c.subject << ": " << item.fingerprint << "\n";
        added += item.verdict == ImportItem::Verdict::Add ? 1 : 0;
    }
    if (added > 0 && apply) {
        for (const auto& file : applyImport(plan, profiles, std::time(nullptr)))
            std::cout << "wrote " << file << "\n";
        std::cout << added << " certificate(s) added; a running server takes them up on SIGHUP "
                  << "(or from the admin page's CA view)\n";
    } else if (added > 0) {
        std::cout << added << " certificate(s) to add; nothing written: run again with --apply\n";
    } else {
        std::cout << "nothing to add\n";
    }
    return refused > 0 ? 1 : 0;
}

} // namespace

int ca(Args args)
{
    if (!args.more())
        throw UsageError("ca needs status or import (certgate ca --help)");
    auto sub = args.next();
    if (wantsHelp(sub)) {
        std::cout << kCaUsage;
        return 0;
    }
    if (sub == "status")
        return status(std::move(args));
    if (sub == "import")
        return import(std::move(args));
    throw UsageError("unknown ca command " + sub + " (certgate ca --help)");
}

} // namespace certgate::app
