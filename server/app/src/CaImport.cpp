// certgate ca import: what the CAs publish, verified up to a pinned anchor, into the profiles.
#include "CaImport.hpp"

#include "Files.hpp"

#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace certgate::app {

namespace fs = std::filesystem;

namespace {

using Verdict = ImportItem::Verdict;

struct Known {
    x509::CaCertificate certificate;
    std::set<std::string> profiles;
    bool anchor = false;
};

void addKnown(std::vector<Known>& known, const x509::CaCertificate& certificate,
    const std::string& profile, bool anchor)
{
    for (auto& k : known)
        if (k.certificate.sha256 == certificate.sha256) {
            k.profiles.insert(profile);
            k.anchor = k.anchor || anchor;
            return;
        }
    known.push_back({ certificate, { profile }, anchor });
}

std::vector<Known> knownCertificates(const pluginhost::LoadedProfiles& loaded)
{
    std::vector<Known> known;
    for (const auto& profile : loaded.profiles) {
        auto add = [&](const std::vector<core::Bytes>& files, bool anchor) {
            for (const auto& contents : files)
                try {
                    for (const auto& c : x509::readCaCertificates(contents))
                        addKnown(known, c, profile.id, anchor);
                } catch (const std::exception&) {
                    // An unreadable file is the profile loader's and ca status's to report.
                }
        };
        add(profile.trustAnchors, true);
        add(profile.intermediates, false);
    }
    return known;
}

std::string compact(std::string text)
{
    std::erase(text, ':');
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool listed(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

std::vector<std::string> profilesNaming(
    const pluginhost::LoadedProfiles& loaded, const x509::CaCertificate& c)
{
    std::vector<std::string> out;
    for (const auto& p : loaded.profiles) {
        bool expected = std::any_of(p.expectedIssuingCas.begin(), p.expectedIssuingCas.end(),
            [&](const core::ExpectedCa& e) {
                return (!e.keyId.empty() && e.keyId == c.keyId)
                    || (!e.sha256.empty() && e.sha256 == c.sha256);
            });
        if (expected || listed(p.issuerKeyIds, c.keyId) || listed(p.issuerNames, c.subject))
            out.push_back(p.id);
    }
    return out;
}

namespace {

void checkFingerprint(const pluginhost::LoadedProfiles& loaded, ImportItem& item)
{
    for (const auto& p : loaded.profiles) {
        if (!listed(item.profiles, p.id))
            continue;
        for (const auto& e : p.expectedIssuingCas) {
            const auto& c = item.certificate;
            if (e.sha256.empty() || (e.keyId != c.keyId && e.sha256 != c.sha256))
                continue;
            if (e.sha256 == c.sha256) {
                item.fingerprint = "matches the published fingerprint of " + e.name;
            } else {
                item.fingerprint = "does NOT match the published fingerprint of " + e.name
                    + " (sha256 " + e.sha256 + (e.url.empty() ? "" : ", " + e.url)
                    + "): check where the file came from";
                item.fingerprintMismatch = true;
            }
            return;
        }
    }
}

std::string describe(const x509::CaCertificate& c)
{
    return c.subject + " (key id " + c.keyId + ")";
}

} // namespace

std::vector<ImportItem> planImport(const pluginhost::LoadedProfiles& loaded,
    const std::vector<ImportInput>& inputs, const ImportOptions& options)
{
    std::vector<ImportItem> plan;
    auto known = knownCertificates(loaded);
    std::set<std::string> ids;
    for (const auto& p : loaded.profiles)
        ids.insert(p.id);
    for (const auto& id : options.profiles)
        if (!ids.count(id))
            throw std::invalid_argument("--profile " + id + ": no such profile");

    std::vector<ImportItem> pending;
    std::set<std::string> offered;
    for (const auto& input : inputs)
        for (const auto& c : input.certificates)
            if (offered.insert(c.sha256).second) {
                ImportItem item;
                item.certificate = c;
                item.source = input.file;
                pending.push_back(std::move(item));
            }

    if (!options.anchorFile.empty()) {
        // The new root generation, pinned where asked (default: every profile).
        for (auto it = pending.begin(); it != pending.end(); ++it) {
            if (it->source != options.anchorFile)
                continue;
            ImportItem item = *it;
            pending.erase(it);
            item.role = "anchor";
            if (!item.certificate.selfSigned || !item.certificate.isCa)
                item.reason = "--anchor must be a self-signed CA certificate";
            else if (item.certificate.testCa)
                item.reason = "a test CA (測試) is never pinned";
            else if (compact(options.anchorSha256) != item.certificate.sha256)
                item.reason = "its SHA-256 fingerprint " + item.certificate.sha256
                    + " is not the one given with --sha256";
            if (item.reason.empty()) {
                item.profiles = options.profiles.empty()
                    ? std::vector<std::string>(ids.begin(), ids.end())
                    : options.profiles;
                std::erase_if(item.profiles, [&](const std::string& id) {
                    return std::any_of(known.begin(), known.end(), [&](const Known& k) {
                        return k.anchor && k.certificate.sha256 == item.certificate.sha256
                            && k.profiles.count(id);
                    });
                });
                item.verdict = item.profiles.empty() ? Verdict::Present : Verdict::Add;
                for (const auto& id : item.profiles)
                    addKnown(known, item.certificate, id, true);
            }
            plan.push_back(std::move(item));
            break;
        }
    }

    for (bool progress = true; progress;) {
        progress = false;
        for (auto it = pending.begin(); it != pending.end();) {
            ImportItem& item = *it;
            const auto& c = item.certificate;
            bool decided = true;
            auto held = std::find_if(known.begin(), known.end(),
                [&](const Known& k) { return k.certificate.sha256 == c.sha256; });
            if (held != known.end()) {
                item.verdict = Verdict::Present;
                item.role = held->anchor ? "anchor" : "intermediate";
                item.profiles.assign(held->profiles.begin(), held->profiles.end());
            } else if (!c.isCa) {
                item.reason = "not a CA certificate (a card or server certificate: read it with "
                              "certgate inspect-cert)";
            } else if (c.testCa) {
                item.reason = "a test CA (測試): never trusted by these profiles";
            } else if (c.selfSigned) {
                item.reason = "a root that no profile pins: a new root generation is added only "
                              "with --anchor FILE --sha256 FINGERPRINT";
            } else {
                auto issuer = std::find_if(known.begin(), known.end(),
                    [&](const Known& k) { return x509::issuedBy(c, k.certificate); });
                if (issuer == known.end()) {
                    decided = false;
                } else {
                    item.chainsTo = describe(issuer->certificate);
                    std::vector<std::string> trusting(
                        issuer->profiles.begin(), issuer->profiles.end());
                    if (c.selfIssued) {
                        // A link between root generations: for every profile that pins either.
                        item.role = "link";
                        for (const auto& k : known)
                            if (k.anchor && k.certificate.keyId == c.keyId)
                                trusting.insert(
                                    trusting.end(), k.profiles.begin(), k.profiles.end());
                        std::sort(trusting.begin(), trusting.end());
                        trusting.erase(
                            std::unique(trusting.begin(), trusting.end()), trusting.end());
                        item.profiles = trusting;
                    } else {
                        item.role = "issuing-ca";
                        item.profiles = options.profiles.empty() ? profilesNaming(loaded, c)
                                                                 : options.profiles;
                    }
                    for (const auto& id : item.profiles)
                        if (!listed(trusting, id))
                            item.reason
                                = "profile " + id + " does not trust its issuer " + item.chainsTo;
                    if (item.profiles.empty())
                        item.reason = "no profile names this CA (issuerNames, issuerKeyIds, "
                                      "expectedIssuingCas): say which with --profile ID";
                    if (item.reason.empty()) {
                        item.verdict = Verdict::Add;
                        checkFingerprint(loaded, item);
                        for (const auto& id : item.profiles)
                            addKnown(known, c, id, false);
                    }
                }
            }
            if (decided) {
                plan.push_back(std::move(item));
                it = pending.erase(it);
                progress = true;
            } else {
                ++it;
            }
        }
    }
    for (auto& item : pending) {
        item.reason = "does not chain to an anchor a profile pins: its issuer "
            + item.certificate.issuer + " (key id " + item.certificate.authorityKeyId
            + ") is neither pinned nor among the files given";
        plan.push_back(std::move(item));
    }
    return plan;
}

namespace {

// Replaces `path` by `text` atomically (a reader sees the old file or the new one, whole).
void writeAtomically(const fs::path& path, const std::string& text)
{
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out)
            throw std::runtime_error("cannot write " + temporary.string());
    }
    fs::rename(temporary, path);
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string fileStem(const ImportItem& item)
{
    const auto& c = item.certificate;
    const auto key = lower(c.keyId.substr(0, 8));
    if (item.role == "anchor")
        return "root-" + key;
    if (item.role == "link")
        return "link-" + lower(c.authorityKeyId.substr(0, 8)) + "-to-" + key;
    return item.profiles.front() + "-" + key;
}

std::string iso(std::int64_t seconds)
{
    return Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds)),
        Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string indexEntry(const ImportItem& item, const std::string& name, std::int64_t now)
{
    const auto& c = item.certificate;
    std::ostringstream out;
    out << "\n## " << name << "\n"
        << "Imported with `certgate ca import` on " << iso(now) << " from `"
        << fs::path(item.source).filename().string() << "`; verified by signature under "
        << item.chainsTo << "."
        << (item.fingerprint.empty() ? "" : " Published fingerprint: " + item.fingerprint + ".")
        << "\n```\nsubject=" << c.subject << "\nissuer=" << c.issuer << "\nserial=" << c.serial
        << "\nnotBefore=" << iso(c.notBefore) << "\nnotAfter=" << iso(c.notAfter)
        << "\nauthorityKeyIdentifier=" << c.authorityKeyId << "\nsubjectKeyIdentifier=" << c.keyId
        << "\nsha256=" << c.sha256 << "\n```\n";
    return out.str();
}

void append(Poco::JSON::Object::Ptr profile, const std::string& key, const std::string& value)
{
    auto array = profile->getArray(key);
    if (!array) {
        array = new Poco::JSON::Array;
        profile->set(key, array);
    }
    for (std::size_t i = 0; i < array->size(); ++i)
        if (array->getElement<std::string>(static_cast<unsigned>(i)) == value)
            return;
    array->add(value);
}

} // namespace

std::vector<std::string> applyImport(
    const std::vector<ImportItem>& plan, const std::string& profilesDir, std::int64_t now)
{
    const fs::path dir(profilesDir);
    const fs::path certs = dir / "certs";
    fs::create_directories(certs);
    auto loaded = pluginhost::ProfileLoader::loadFolder(dir);
    std::map<std::string, fs::path> fileOf;
    for (const auto& p : loaded.profiles)
        fileOf[p.id] = p.sourceFile;

    std::map<fs::path, std::string> originals; // profile files and INDEX.md as they were
    std::map<fs::path, Poco::JSON::Object::Ptr> edited;
    std::vector<fs::path> created;
    std::string index;
    auto restore = [&] {
        for (const auto& [path, text] : originals)
            writeAtomically(path, text);
        for (const auto& path : created)
            fs::remove(path);
    };
    try {
        for (const auto& item : plan) {
            if (item.verdict != Verdict::Add)
                continue;
            const auto pem = x509::toPem(item.certificate);
            fs::path file = certs / (fileStem(item) + ".pem");
            if (fs::exists(file) && readWholeFile(file) != pem)
                file = certs
                    / (fileStem(item) + "-" + item.certificate.sha256.substr(0, 8) + ".pem");
            if (!fs::exists(file)) {
                writeAtomically(file, pem);
                created.push_back(file);
            }
            index += indexEntry(item, file.filename().string(), now);
            for (const auto& id : item.profiles) {
                const auto& profileFile = fileOf.at(id);
                auto& json = edited[profileFile];
                if (!json) {
                    originals[profileFile] = readWholeFile(profileFile);
                    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
                    json = parser.parse(originals[profileFile]).extract<Poco::JSON::Object::Ptr>();
                }
                const auto relative
                    = fs::relative(file, profileFile.parent_path()).generic_string();
                append(json, item.role == "anchor" ? "trustAnchors" : "intermediates", relative);
                if (item.role == "issuing-ca")
                    append(json, "issuerKeyIds", item.certificate.keyId);
            }
        }
        for (const auto& [path, json] : edited) {
            std::ostringstream text;
            json->stringify(text, 2);
            writeAtomically(path, text.str() + "\n");
        }
        if (!index.empty()) {
            const auto indexFile = certs / "INDEX.md";
            originals[indexFile] = fs::exists(indexFile) ? readWholeFile(indexFile) : std::string();
            writeAtomically(indexFile, originals[indexFile] + index);
        }
        // The result must load as the server will load it; otherwise nothing changes.
        auto after = pluginhost::ProfileLoader::loadFolder(dir);
        for (const auto& error : after.errors)
            if (edited.count(error.file))
                throw std::runtime_error(error.message);
        core::SystemClock clock;
        x509::OpenSslCertificateValidator check(after.profiles, clock);
    } catch (const std::exception& e) {
        restore();
        throw std::runtime_error(std::string("nothing was changed: ") + e.what());
    }
    std::vector<std::string> written;
    for (const auto& path : created)
        written.push_back(path.string());
    for (const auto& [path, json] : edited)
        written.push_back(path.string());
    return written;
}

} // namespace certgate::app
