#include <certgate/plugin/Version.hpp>
#include <certgate/pluginhost/PluginHost.hpp>

#include <Poco/Logger.h>
#include <boost/dll/shared_library.hpp>

#include <algorithm>

namespace certgate::pluginhost {

// Member order matters: `plugin` is destroyed before `library`, whose code it runs on.
struct PluginHost::Entry {
    core::CaProfile profile;
    bool hasProfile = true;
    std::string id;
    std::string libraryPath;
    std::string error;
    std::unique_ptr<boost::dll::shared_library> library;
    std::unique_ptr<plugin::CaPlugin> plugin;
};

namespace {

Poco::Logger& logger()
{
    return Poco::Logger::get("certgate.plugins");
}

// Refusals carry their reason up to load(), which logs it once.
struct Refused {
    std::string reason;
};

std::string describe(std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (const plugin::PluginError& e) {
        return e.code() + ": " + e.what();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

template <typename Call> auto guarded(const std::string& what, Call&& call) -> decltype(call())
{
    try {
        return call();
    } catch (...) {
        throw Refused { what + " threw (" + describe(std::current_exception()) + ")" };
    }
}

} // namespace

PluginHost::PluginHost(std::filesystem::path pluginDir, std::vector<core::CaProfile> profiles)
    : PluginHost(std::move(pluginDir), LoadedProfiles { std::move(profiles), {} })
{
}

PluginHost::PluginHost(std::filesystem::path pluginDir, LoadedProfiles profiles)
    : pluginDir_(std::move(pluginDir))
{
    for (auto& fileError : profiles.errors) {
        auto entry = std::make_unique<Entry>();
        entry->hasProfile = false;
        entry->id = std::filesystem::path(fileError.file).stem().string();
        entry->error = fileError.message;
        logger().error("CA profile refused: " + fileError.message);
        entries_.push_back(std::move(entry));
    }
    std::vector<std::string> seenIds;
    for (auto& profile : profiles.profiles) {
        auto entry = std::make_unique<Entry>();
        entry->id = profile.id;
        entry->profile = std::move(profile);
        load(*entry, seenIds);
        seenIds.push_back(entry->id);
        entries_.push_back(std::move(entry));
    }
}

PluginHost::~PluginHost()
{
    for (auto& entry : entries_)
        entry->plugin.reset();
    for (auto& entry : entries_)
        entry->library.reset();
}

void PluginHost::load(Entry& entry, const std::vector<std::string>& earlierIds)
{
    const auto& profile = entry.profile;
    const auto fileName = profile.plugin + ".so";
    const auto path = pluginDir_ / fileName;
    entry.libraryPath = path.string();
    try {
        if (std::find(earlierIds.begin(), earlierIds.end(), profile.id) != earlierIds.end())
            throw Refused { "another profile already uses id '" + profile.id + "'" };

        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            throw Refused { path.string() + " not found" };

        auto library = std::make_unique<boost::dll::shared_library>();
        try {
            // rtld_now: an unresolved symbol refuses the plugin here, not at its first call.
            library->load(
                path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
        } catch (const std::exception& e) {
            throw Refused { fileName + " cannot be loaded: " + e.what() };
        }

        // The API version comes first: nothing else in a library of another version is
        // safe to touch, not even its factory's signature.
        if (!library->has(plugin::kApiVersionSymbol))
            throw Refused { fileName + " does not export " + plugin::kApiVersionSymbol
                + " (not a certgate CA plugin?)" };
        auto& apiVersion = library->get<int()>(plugin::kApiVersionSymbol);
        const int version = guarded(std::string(plugin::kApiVersionSymbol) + "()", apiVersion);
        if (version != plugin::kApiVersion)
            throw Refused { fileName + " was built for plugin API " + std::to_string(version)
                + ", this server speaks " + std::to_string(plugin::kApiVersion) };

        if (!library->has(plugin::kFactoryAlias))
            throw Refused { fileName + " does not export the factory " + plugin::kFactoryAlias };
        auto& factory
            = library->get_alias<std::unique_ptr<plugin::CaPlugin>()>(plugin::kFactoryAlias);

        auto instance = guarded("its factory", factory);
        if (!instance)
            throw Refused { "its factory returned no plugin" };
        auto id = guarded("id()", [&] { return instance->id(); });
        if (id != profile.id)
            throw Refused { fileName + " is plugin '" + id + "', but the profile's id is '"
                + profile.id + "'" };
        auto kind = guarded("kind()", [&] { return instance->kind(); });
        if (kind != profile.kind)
            throw Refused { fileName + " handles " + plugin::toString(kind)
                + " cards, but the profile's kind is " + plugin::toString(profile.kind) };
        guarded("configure()", [&] { instance->configure(profile.view()); });

        entry.library = std::move(library);
        entry.plugin = std::move(instance);
        logger().information("plugin " + profile.id + " loaded from " + path.string() + " (API "
            + std::to_string(version) + ")");
    } catch (const Refused& refused) {
        entry.error = refused.reason;
        logger().error("plugin " + profile.id + " refused: " + refused.reason);
    }
}

const plugin::CaPlugin* PluginHost::find(std::string_view id) const
{
    for (const auto& entry : entries_)
        if (entry->plugin && entry->id == id)
            return entry->plugin.get();
    return nullptr;
}

const core::CaProfile* PluginHost::profile(std::string_view id) const
{
    for (const auto& entry : entries_)
        if (entry->plugin && entry->id == id)
            return &entry->profile;
    return nullptr;
}

std::vector<core::LoadedCa> PluginHost::list() const
{
    std::vector<core::LoadedCa> out;
    for (const auto& entry : entries_) {
        core::LoadedCa ca;
        ca.id = entry->id;
        ca.library = entry->libraryPath;
        ca.loaded = entry->plugin != nullptr;
        ca.error = entry->error;
        ca.profile = entry->hasProfile ? &entry->profile : nullptr;
        out.push_back(std::move(ca));
    }
    return out;
}

std::vector<std::string> PluginHost::loadedIds() const
{
    std::vector<std::string> out;
    for (const auto& entry : entries_)
        if (entry->plugin)
            out.push_back(entry->id);
    return out;
}

} // namespace certgate::pluginhost
