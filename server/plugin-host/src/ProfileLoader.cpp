#include <certgate/pluginhost/ProfileLoader.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

namespace certgate::pluginhost {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Profiles and the certificates they name are small; anything bigger is a mistake.
constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;

std::string join(const std::string& prefix, const std::string& key)
{
    return prefix.empty() ? key : prefix + "." + key;
}

// Reads one JSON object with the path of the field it sits at, for error messages.
class Reader {
public:
    Reader(std::string file, Object::Ptr object, std::string path = {})
        : file_(std::move(file))
        , object_(std::move(object))
        , path_(std::move(path))
    {
    }

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const
    {
        throw ProfileError(file_, join(path_, key), problem);
    }

    bool present(const std::string& key) const
    {
        return object_->has(key) && !object_->isNull(key);
    }

    std::string string(const std::string& key, bool required) const
    {
        if (!present(key)) {
            if (required)
                fail(key, "is missing");
            return {};
        }
        auto value = object_->get(key);
        if (!value.isString())
            fail(key, "must be a string");
        auto text = value.extract<std::string>();
        if (required && text.empty())
            fail(key, "must not be empty");
        return text;
    }

    std::vector<std::string> strings(const std::string& key, bool required = false) const
    {
        if (!present(key)) {
            if (required)
                fail(key, "is missing");
            return {};
        }
        auto array = object_->getArray(key);
        if (!array)
            fail(key, "must be an array of strings");
        std::vector<std::string> out;
        for (std::size_t i = 0; i < array->size(); ++i) {
            auto value = array->get(static_cast<unsigned>(i));
            if (!value.isString())
                fail(key + "[" + std::to_string(i) + "]", "must be a string");
            out.push_back(value.extract<std::string>());
        }
        return out;
    }

    bool boolean(const std::string& key, bool fallback) const
    {
        if (!present(key))
            return fallback;
        auto value = object_->get(key);
        if (!value.isBoolean())
            fail(key, "must be true or false");
        return value.extract<bool>();
    }

    int integer(const std::string& key, int fallback) const
    {
        if (!present(key))
            return fallback;
        auto value = object_->get(key);
        if (!value.isInteger())
            fail(key, "must be an integer");
        auto number = value.convert<long long>();
        if (number < 0 || number > std::numeric_limits<int>::max())
            fail(key, "is out of range");
        return static_cast<int>(number);
    }

    std::optional<Reader> object(const std::string& key) const
    {
        if (!present(key))
            return std::nullopt;
        auto child = object_->getObject(key);
        if (!child)
            fail(key, "must be an object");
        return Reader(file_, child, join(path_, key));
    }

    const Object::Ptr& raw() const { return object_; }
    const std::string& path() const { return path_; }
    const std::string& file() const { return file_; }

private:
    std::string file_;
    Object::Ptr object_;
    std::string path_;
};

core::Bytes readFile(const std::filesystem::path& path)
{
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec)
        throw std::runtime_error(ec.message());
    if (size > kMaxFileBytes)
        throw std::runtime_error("file is larger than 16 MiB");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot be opened");
    core::Bytes bytes { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    if (in.bad())
        throw std::runtime_error("cannot be read");
    return bytes;
}

struct FileSet {
    std::vector<core::Bytes> contents;
    std::vector<std::string> paths;
};

FileSet readFiles(const Reader& reader, const std::string& key, const std::filesystem::path& base,
    const std::string& file)
{
    FileSet out;
    auto names = reader.strings(key);
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto path = (base / names[i]).lexically_normal();
        try {
            out.contents.push_back(readFile(path));
        } catch (const std::exception& e) {
            throw ProfileError(file, join(reader.path(), key) + "[" + std::to_string(i) + "]",
                "cannot read " + path.string() + ": " + e.what());
        }
        out.paths.push_back(path.string());
    }
    return out;
}

bool isHexKeyId(const std::string& text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    });
}

// "d1:18:67…" -> "D11867…" (or lowercase for fingerprints).
std::string compactHex(std::string text, bool upper)
{
    std::erase(text, ':');
    std::transform(text.begin(), text.end(), text.begin(), [upper](unsigned char c) {
        return static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
    });
    return text;
}

std::vector<std::string> keyIds(const Reader& reader, const std::string& key)
{
    auto ids = reader.strings(key);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto normalised = compactHex(ids[i], true);
        if (!isHexKeyId(normalised))
            reader.fail(key + "[" + std::to_string(i) + "]", "must be a hex key identifier");
        ids[i] = normalised;
    }
    return ids;
}

// `expectedIssuingCas`: [{ name, keyId?, sha256?, url?, note? }]
std::vector<core::ExpectedCa> expectedCas(const Reader& top)
{
    std::vector<core::ExpectedCa> out;
    const std::string key = "expectedIssuingCas";
    if (!top.present(key))
        return out;
    auto array = top.raw()->getArray(key);
    if (!array)
        top.fail(key, "must be an array of objects");
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto item = array->getObject(static_cast<unsigned>(i));
        const std::string at = key + "[" + std::to_string(i) + "]";
        if (!item)
            top.fail(at, "must be an object");
        Reader entry(top.file(), item, join(top.path(), at));
        core::ExpectedCa ca;
        ca.name = entry.string("name", true);
        ca.url = entry.string("url", false);
        ca.note = entry.string("note", false);
        if (auto id = compactHex(entry.string("keyId", false), true); !id.empty()) {
            if (!isHexKeyId(id))
                entry.fail("keyId", "must be a hex key identifier");
            ca.keyId = id;
        }
        if (auto fp = compactHex(entry.string("sha256", false), false); !fp.empty()) {
            if (fp.size() != 64 || !isHexKeyId(compactHex(fp, true)))
                entry.fail("sha256", "must be 64 hex digits (a SHA-256 fingerprint)");
            ca.sha256 = fp;
        }
        out.push_back(std::move(ca));
    }
    return out;
}

bool validId(const std::string& id)
{
    return !id.empty() && id.size() <= 64 && (id[0] >= 'a' && id[0] <= 'z')
        && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
           });
}

bool validLibraryName(const std::string& name)
{
    return !name.empty() && name.size() <= 128 && name[0] != '.'
        && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '_' || c == '.';
           });
}

void readRevocation(const Reader& top, const std::filesystem::path& base, const std::string& file,
    core::RevocationSettings& settings)
{
    auto revocation = top.object("revocation");
    if (!revocation)
        return;
    auto modeText = revocation->string("mode", true);
    auto mode = core::revocationModeFromString(modeText);
    if (!mode)
        revocation->fail("mode",
            "unknown revocation mode '" + modeText
                + "' (expected ocsp, crl, ocsp-then-crl or none)");
    settings.mode = *mode;
    settings.failOpen = revocation->boolean("failOpen", settings.failOpen);
    if (auto ocsp = revocation->object("ocsp")) {
        settings.ocspUrl = ocsp->string("url", false);
        auto responder = ocsp->string("responder", false);
        if (!responder.empty()) {
            auto path = (base / responder).lexically_normal();
            try {
                settings.ocspResponder = readFile(path);
            } catch (const std::exception& e) {
                ocsp->fail("responder", "cannot read " + path.string() + ": " + e.what());
            }
        }
        settings.ocspTimeoutMs = ocsp->integer("timeoutMs", settings.ocspTimeoutMs);
        settings.ocspMaxAgeSeconds = ocsp->integer("maxAgeSeconds", settings.ocspMaxAgeSeconds);
        settings.ocspCacheSeconds = ocsp->integer("cacheSeconds", settings.ocspCacheSeconds);
        settings.clockSkewSeconds = ocsp->integer("clockSkewSeconds", settings.clockSkewSeconds);
    }
    if (auto crl = revocation->object("crl")) {
        settings.crlUrls = crl->strings("urls");
        auto files = readFiles(*crl, "files", base, file);
        settings.crlFiles = std::move(files.contents);
        settings.crlFilePaths = std::move(files.paths);
        settings.crlTimeoutMs = crl->integer("timeoutMs", settings.crlTimeoutMs);
    }
}

std::map<std::string, std::vector<std::string>> readIdentity(const Reader& top)
{
    std::map<std::string, std::vector<std::string>> rules;
    auto identity = top.object("identity");
    if (!identity)
        return rules;
    for (const auto& [key, value] : *identity->raw()) {
        if (value.isEmpty())
            continue;
        if (value.isString()) {
            rules[key] = { value.extract<std::string>() };
            continue;
        }
        if (!identity->raw()->getArray(key))
            identity->fail(key, "must be a string or an array of strings");
        rules[key] = identity->strings(key);
    }
    return rules;
}

} // namespace

ProfileError::ProfileError(std::string file, std::string field, const std::string& problem)
    : std::runtime_error(file + ": " + (field.empty() ? std::string {} : field + ": ") + problem)
    , file_(std::move(file))
    , field_(std::move(field))
{
}

core::CaProfile ProfileLoader::loadFile(const std::filesystem::path& path)
{
    const std::string file = path.string();
    std::string text;
    try {
        auto bytes = readFile(path);
        text.assign(bytes.begin(), bytes.end());
    } catch (const std::exception& e) {
        throw ProfileError(file, {}, std::string("cannot read the profile: ") + e.what());
    }

    Object::Ptr root;
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(text);
        if (parsed.type() != typeid(Object::Ptr))
            throw ProfileError(file, {}, "the profile must be a JSON object");
        root = parsed.extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw ProfileError(file, {}, "not valid JSON: " + e.displayText());
    }

    Reader top(file, root);
    const auto base = path.parent_path();
    core::CaProfile profile;
    profile.sourceFile = file;
    profile.id = top.string("id", true);
    if (!validId(profile.id))
        top.fail("id", "'" + profile.id + "' must be lowercase letters, digits, '-' or '_'");
    profile.plugin = top.string("plugin", true);
    if (!validLibraryName(profile.plugin))
        top.fail("plugin", "'" + profile.plugin + "' must be a library base name, not a path");
    auto kind = top.string("kind", true);
    if (kind == "citizen")
        profile.kind = plugin::CardKind::Citizen;
    else if (kind == "organisation")
        profile.kind = plugin::CardKind::Organisation;
    else
        top.fail("kind", "'" + kind + "' must be \"citizen\" or \"organisation\"");

    if (auto names = top.object("displayName")) {
        profile.displayNameZh = names->string("zh-TW", false);
        profile.displayNameEn = names->string("en", false);
    }
    if (auto service = top.object("service")) {
        profile.service.url = service->string("url", false);
        profile.service.phone = service->string("phone", false);
        profile.service.applyUrl = service->string("applyUrl", false);
    }
    profile.test = top.boolean("test", false);
    profile.notes = top.string("notes", false);

    if (top.strings("trustAnchors", true).empty())
        top.fail("trustAnchors", "must name at least one certificate file");
    auto anchors = readFiles(top, "trustAnchors", base, file);
    profile.trustAnchors = std::move(anchors.contents);
    profile.trustAnchorPaths = std::move(anchors.paths);
    auto intermediates = readFiles(top, "intermediates", base, file);
    profile.intermediates = std::move(intermediates.contents);
    profile.intermediatePaths = std::move(intermediates.paths);
    profile.issuerKeyIds = keyIds(top, "issuerKeyIds");
    profile.deniedIssuerKeyIds = keyIds(top, "deniedIssuerKeyIds");
    profile.issuerNames = top.strings("issuerNames");
    profile.expectedIssuingCas = expectedCas(top);
    profile.policies = top.strings("policies");
    readRevocation(top, base, file, profile.revocation);
    profile.identityRules = readIdentity(top);
    return profile;
}

LoadedProfiles ProfileLoader::loadFolder(const std::filesystem::path& folder)
{
    LoadedProfiles out;
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    std::filesystem::directory_iterator it(folder, ec);
    if (ec) {
        out.errors.push_back({ folder.string(),
            folder.string() + ": cannot read the profiles folder: " + ec.message() });
        return out;
    }
    for (const auto& entry : it)
        if (entry.path().extension() == ".json" && !entry.is_directory())
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());

    std::map<std::string, std::string> fileOfId;
    for (const auto& path : files) {
        try {
            auto profile = loadFile(path);
            auto [earlier, inserted] = fileOfId.emplace(profile.id, path.string());
            if (!inserted)
                throw ProfileError(path.string(), "id",
                    "duplicate profile id '" + profile.id + "', already defined by "
                        + earlier->second + "; this profile is ignored");
            out.profiles.push_back(std::move(profile));
        } catch (const ProfileError& e) {
            out.errors.push_back({ path.string(), e.what() });
        }
    }
    return out;
}

} // namespace certgate::pluginhost
