#include <certgate/plugin/PluginError.hpp>
#include <certgate/plugin/Version.hpp>
#include <certgate/pluginhost/PluginHost.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace certgate;
using certgate::pluginhost::PluginHost;
using certgate::pluginhost::ProfileLoader;
namespace fs = std::filesystem;

namespace {

const fs::path kPluginDir = CERTGATE_TEST_PLUGIN_DIR;
const fs::path kBadPluginDir = CERTGATE_TEST_BAD_PLUGIN_DIR;
const fs::path kProfiles = CERTGATE_TEST_CA_PROFILES_DIR;

// Captures what the host logs on "certgate.plugins".
class CapturingChannel : public Poco::Channel {
public:
    void log(const Poco::Message& message) override
    {
        std::lock_guard lock(mutex_);
        lines_.push_back(message.getText());
    }
    std::vector<std::string> lines()
    {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

class LogCapture {
public:
    LogCapture()
        : channel_(new CapturingChannel)
    {
        auto& logger = Poco::Logger::get("certgate.plugins");
        previous_ = logger.getChannel();
        logger.setChannel(channel_);
        logger.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~LogCapture() { Poco::Logger::get("certgate.plugins").setChannel(previous_); }
    std::vector<std::string> linesContaining(const std::string& text)
    {
        std::vector<std::string> out;
        for (const auto& line : channel_->lines())
            if (line.find(text) != std::string::npos)
                out.push_back(line);
        return out;
    }

private:
    Poco::AutoPtr<CapturingChannel> channel_;
    Poco::Channel::Ptr previous_;
};

core::CaProfile testProfile(const std::string& id, const std::string& library,
    plugin::CardKind kind = plugin::CardKind::Organisation)
{
    core::CaProfile profile;
    profile.id = id;
    profile.plugin = library;
    profile.kind = kind;
    return profile;
}

const core::LoadedCa& entry(
    const std::vector<core::LoadedCa>& list, const std::string& id, int nth = 0)
{
    for (const auto& ca : list)
        if (ca.id == id && nth-- == 0)
            return ca;
    throw std::runtime_error("no list entry " + id);
}

// A plugin folder holding the five real plugins and the misbehaving ones.
class MixedPluginDir {
public:
    MixedPluginDir()
    {
        for (const auto& dir : { kPluginDir, kBadPluginDir })
            for (const auto& file : fs::directory_iterator(dir))
                if (file.path().extension() == ".so")
                    fs::create_symlink(
                        file.path(), fs::path(temp_.path()) / file.path().filename());
    }
    fs::path path() const { return temp_.path(); }

private:
    test::TempDir temp_ { "certgate-plugin-dir" };
};

} // namespace

TEST(PluginHostContractTest, loadsEveryBuiltPluginWithTheProductionProfiles)
{
    auto profiles = ProfileLoader::loadFolder(kProfiles);
    ASSERT_TRUE(profiles.errors.empty()) << profiles.errors.front().message;
    PluginHost host(kPluginDir, std::move(profiles));

    EXPECT_EQ(
        host.loadedIds(), (std::vector<std::string> { "gca", "hca", "moeaca", "moica", "xca" }));
    for (const auto& id : { "gca", "hca", "moeaca", "moica", "xca" }) {
        const auto* plugin = host.find(id);
        ASSERT_NE(plugin, nullptr) << id;
        EXPECT_EQ(plugin->id(), id);
        ASSERT_NE(host.profile(id), nullptr);
        EXPECT_EQ(host.profile(id)->id, id);
        EXPECT_EQ(plugin->kind(), host.profile(id)->kind);
    }
    EXPECT_EQ(host.find("moica")->kind(), plugin::CardKind::Citizen);
    EXPECT_EQ(host.find("gca")->kind(), plugin::CardKind::Organisation);
    EXPECT_EQ(host.find("absent"), nullptr);
    EXPECT_EQ(host.profile("absent"), nullptr);
}

TEST(PluginHostContractTest, listReportsEveryProductionProfileAsLoaded)
{
    PluginHost host(kPluginDir, ProfileLoader::loadFolder(kProfiles));
    auto list = host.list();
    ASSERT_EQ(list.size(), 5u);
    for (const auto& ca : list) {
        EXPECT_TRUE(ca.loaded) << ca.id << ": " << ca.error;
        EXPECT_EQ(ca.error, "");
        EXPECT_EQ(fs::path(ca.library).filename(), "certgate-ca-" + ca.id + ".so");
        ASSERT_NE(ca.profile, nullptr);
        EXPECT_EQ(ca.profile->id, ca.id);
    }
}

TEST(PluginHostContractTest, loadedPluginsCheckFormatsWithTheProductionRules)
{
    PluginHost host(kPluginDir, ProfileLoader::loadFolder(kProfiles));
    const auto& moica = *host.find("moica");
    EXPECT_EQ(moica.checkFormat(plugin::format::NationalId, "A123456789"), std::nullopt);
    EXPECT_NE(moica.checkFormat(plugin::format::NationalId, "A123456788"), std::nullopt);
    EXPECT_EQ(moica.checkFormat(plugin::format::CertificateSerial, "28:78:5e:82"), std::nullopt);
    EXPECT_EQ(moica.checkFormat(plugin::format::CardNumber, "TP03000000000001"), std::nullopt);
    EXPECT_EQ(
        host.find("moeaca")->checkFormat(plugin::format::Identifier, "04595252"), std::nullopt);
    EXPECT_NE(
        host.find("moeaca")->checkFormat(plugin::format::Identifier, "04595253"), std::nullopt);
    EXPECT_EQ(
        host.find("hca")->checkFormat(plugin::format::Identifier, "1137010024"), std::nullopt);
    EXPECT_EQ(host.find("gca")->checkFormat(plugin::format::Identifier, "2.16.886.101.20003"),
        std::nullopt);
    EXPECT_NE(
        host.find("gca")->checkFormat(plugin::format::Identifier, "2.16.886.111.1"), std::nullopt);
    EXPECT_EQ(
        host.find("xca")->checkFormat(plugin::format::Identifier, "2.16.886.111.1"), std::nullopt);
    EXPECT_EQ(
        host.find("xca")->checkFormat(plugin::format::NationalId, "A123456789"), "unsupported");
}

TEST(PluginHostContractTest, loadedPluginsExtractIdentitiesWithTheProductionRules)
{
    PluginHost host(kPluginDir, ProfileLoader::loadFolder(kProfiles));
    plugin::CertificateView citizen;
    citizen.serialHex = "28785E821EA0940F5A3D9A2E462DB6D7";
    citizen.issuerString = "OU=內政部憑證管理中心,O=行政院,C=TW";
    citizen.subject = { { "2.5.4.6", "C", "TW" }, { "2.5.4.3", "CN", "王小明" },
        { "2.5.4.5", "serialNumber", "0000000012345678" } };
    citizen.subjectDirectoryAttributes = { { "2.16.886.1.100.2.1", { "2.16.886.1.100.3.1.1" } },
        { "2.16.886.1.100.2.51", { "6789" } } };
    auto identity = host.find("moica")->extractIdentity(citizen);
    EXPECT_EQ(identity.name, "王小明");
    EXPECT_EQ(identity.idLast4, "6789");
    EXPECT_EQ(identity.subjectSerialNumber, "0000000012345678");
    EXPECT_EQ(identity.certificateSerial, "28785E821EA0940F5A3D9A2E462DB6D7");

    plugin::CertificateView company = citizen;
    company.subject = { { "2.5.4.6", "C", "TW" }, { "2.5.4.10", "O", "測試股份有限公司" },
        { "2.5.4.5", "serialNumber", "22099131" } };
    company.subjectDirectoryAttributes = { { "2.16.886.1.100.2.1", { "2.16.886.1.100.3.2.2.1.1" } },
        { "2.16.886.1.100.2.2", { "primary" } }, { "2.16.886.1.100.2.101", { "22099131" } } };
    auto organisation = host.find("moeaca")->extractIdentity(company);
    EXPECT_EQ(organisation.identifier, "22099131");
    EXPECT_EQ(organisation.identifierType, "ubn");
    EXPECT_EQ(organisation.extra.at("cardRank"), "primary");

    // The PluginError is thrown inside the library and caught here by type.
    try {
        host.find("gca")->extractIdentity(citizen);
        FAIL() << "a citizen card was accepted by the GCA plugin";
    } catch (const plugin::PluginError& e) {
        EXPECT_EQ(e.code(), "WRONG_CARD_KIND");
    }
}

TEST(PluginHostTest, refusesEachMisbehavingPluginWithAClearReasonAndKeepsTheOthers)
{
    LogCapture log;
    MixedPluginDir dir;
    auto profiles = ProfileLoader::loadFolder(kProfiles).profiles;
    profiles.push_back(testProfile("wrongversion", "certgate-ca-wrong-version"));
    profiles.push_back(testProfile("noversion", "certgate-ca-no-version"));
    profiles.push_back(testProfile("nofactory", "certgate-ca-no-factory"));
    profiles.push_back(testProfile("factorythrows", "certgate-ca-factory-throws"));
    profiles.push_back(testProfile("configurethrows", "certgate-ca-configure-throws"));
    profiles.push_back(testProfile("wrongid", "certgate-ca-wrong-id"));
    profiles.push_back(testProfile("testgood", "certgate-ca-test-good"));
    profiles.push_back(testProfile("absent", "certgate-ca-absent"));
    profiles.push_back(testProfile("gca", "certgate-ca-gca"));
    profiles.push_back(testProfile("xca", "certgate-ca-xca", plugin::CardKind::Citizen));
    PluginHost host(dir.path(), std::move(profiles));

    EXPECT_EQ(host.loadedIds(),
        (std::vector<std::string> { "gca", "hca", "moeaca", "moica", "xca", "testgood" }));
    auto list = host.list();
    auto reason = [&](const std::string& id, int nth = 0) {
        const auto& ca = entry(list, id, nth);
        EXPECT_FALSE(ca.loaded) << id;
        return ca.error;
    };
    const std::string wrongVersion = "certgate-ca-wrong-version.so was built for plugin API "
        + std::to_string(plugin::kApiVersion + 1) + ", this server speaks "
        + std::to_string(plugin::kApiVersion);
    EXPECT_EQ(reason("wrongversion"), wrongVersion);
    EXPECT_EQ(reason("noversion"),
        "certgate-ca-no-version.so does not export certgate_plugin_api_version (not a certgate CA "
        "plugin?)");
    EXPECT_EQ(reason("nofactory"),
        "certgate-ca-no-factory.so does not export the factory certgate_create_plugin");
    EXPECT_EQ(reason("factorythrows"), "its factory threw (no licence for this CA)");
    EXPECT_EQ(
        reason("configurethrows"), "configure() threw (an exception that is not a std::exception)");
    EXPECT_EQ(reason("wrongid"),
        "certgate-ca-wrong-id.so is plugin 'impostor', but the profile's id is 'wrongid'");
    EXPECT_NE(reason("absent").find("certgate-ca-absent.so not found"), std::string::npos);
    EXPECT_EQ(reason("gca", 1), "another profile already uses id 'gca'");
    EXPECT_EQ(reason("xca", 1), "another profile already uses id 'xca'");
    EXPECT_TRUE(entry(list, "gca").loaded);
    EXPECT_TRUE(entry(list, "testgood").loaded);

    // One log line per refusal, naming the plugin.
    EXPECT_EQ(log.linesContaining("refused").size(), 9u);
    EXPECT_EQ(log.linesContaining("plugin wrongversion refused: " + wrongVersion).size(), 1u);
    EXPECT_EQ(log.linesContaining("plugin gca loaded").size(), 1u);
}

TEST(PluginHostTest, refusesAPluginWhoseKindDiffersFromItsProfile)
{
    PluginHost host(
        kPluginDir, { testProfile("moica", "certgate-ca-moica", plugin::CardKind::Organisation) });
    EXPECT_EQ(host.find("moica"), nullptr);
    EXPECT_EQ(host.list().at(0).error,
        "certgate-ca-moica.so handles citizen cards, but the profile's kind is organisation");
}

TEST(PluginHostTest, refusesAPluginWhoseConfigureRejectsTheProfile)
{
    // No identity rules at all: the real GCA plugin says PROFILE_INVALID.
    PluginHost host(kPluginDir, { testProfile("gca", "certgate-ca-gca") });
    EXPECT_EQ(host.find("gca"), nullptr);
    EXPECT_NE(
        host.list().at(0).error.find("configure() threw (PROFILE_INVALID: "), std::string::npos);
}

TEST(PluginHostTest, refusesAFileThatIsNotALibrary)
{
    test::TempDir dir;
    test::writeTextFile(dir.file("certgate-ca-junk.so"), "not an ELF file");
    PluginHost host(dir.path(), { testProfile("junk", "certgate-ca-junk") });
    EXPECT_EQ(host.find("junk"), nullptr);
    EXPECT_NE(
        host.list().at(0).error.find("certgate-ca-junk.so cannot be loaded: "), std::string::npos);
}

TEST(PluginHostTest, listsProfileFilesThatFailedToLoad)
{
    test::TempDir dir;
    test::writeTextFile(dir.file("broken.json"), "{ not json");
    PluginHost host(kPluginDir, ProfileLoader::loadFolder(dir.path()));
    auto list = host.list();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, "broken");
    EXPECT_FALSE(list[0].loaded);
    EXPECT_EQ(list[0].profile, nullptr);
    EXPECT_NE(list[0].error.find("broken.json: not valid JSON"), std::string::npos);
}

TEST(PluginHostTest, servesConcurrentReadersAfterConstruction)
{
    PluginHost host(kPluginDir, ProfileLoader::loadFolder(kProfiles));
    std::vector<std::thread> readers;
    std::atomic<int> good { 0 };
    for (int t = 0; t < 4; ++t)
        readers.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
                if (host.find("moeaca")->checkFormat(plugin::format::Identifier, "22099131")
                        == std::nullopt
                    && host.list().size() == 5)
                    ++good;
        });
    for (auto& reader : readers)
        reader.join();
    EXPECT_EQ(good.load(), 800);
}
