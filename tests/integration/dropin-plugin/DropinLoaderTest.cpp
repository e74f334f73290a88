// Loads the drop-in plugin (built out of tree against the installed SDK) with the five
// built-in ones through the real PluginHost. Run by RunDropinTest.cmake, which passes the
// folders in CERTGATE_DROPIN_DIR (plugins/ and ca-profiles/ below it).
#include <certgate/plugin/PluginError.hpp>
#include <certgate/pluginhost/PluginHost.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace certgate;
namespace fs = std::filesystem;

namespace {

fs::path dropinDir()
{
    const char* dir = std::getenv("CERTGATE_DROPIN_DIR");
    if (dir == nullptr)
        throw std::runtime_error("CERTGATE_DROPIN_DIR is not set (run through ctest)");
    return dir;
}

plugin::CertificateView exampleCard()
{
    plugin::CertificateView card;
    card.serialHex = "1234ABCD";
    card.issuerString = "CN=Example CA,O=Example,C=TW";
    card.subject = { { "2.5.4.6", "C", "TW" }, { "2.5.4.10", "O", "範例股份有限公司" } };
    card.subjectDirectoryAttributes = { { "2.16.886.1.100.2.1", { "2.16.886.1.100.3.2.2.1.1" } },
        { "2.16.886.1.100.2.101", { "04595252" } } };
    return card;
}

} // namespace

TEST(DropinPluginTest, theSdkBuiltPluginLoadsBesideTheFiveBuiltInOnes)
{
    auto profiles = pluginhost::ProfileLoader::loadFolder(dropinDir() / "ca-profiles");
    ASSERT_TRUE(profiles.errors.empty()) << profiles.errors.front().message;
    pluginhost::PluginHost host(dropinDir() / "plugins", std::move(profiles));
    for (const auto& ca : host.list())
        EXPECT_TRUE(ca.loaded) << ca.id << ": " << ca.error;
    EXPECT_EQ(host.loadedIds(),
        (std::vector<std::string> { "exampleca", "gca", "hca", "moeaca", "moica", "xca" }));
    ASSERT_NE(host.find("exampleca"), nullptr);
    EXPECT_EQ(host.find("exampleca")->kind(), plugin::CardKind::Organisation);
    EXPECT_EQ(host.profile("exampleca")->displayNameEn, "Example CA (drop-in test)");
}

TEST(DropinPluginTest, theDropinPluginExtractsTheIdentityOfItsCards)
{
    pluginhost::PluginHost host(dropinDir() / "plugins",
        pluginhost::ProfileLoader::loadFolder(dropinDir() / "ca-profiles"));
    const auto* example = host.find("exampleca");
    ASSERT_NE(example, nullptr);
    auto identity = example->extractIdentity(exampleCard());
    EXPECT_EQ(identity.kind, plugin::CardKind::Organisation);
    EXPECT_EQ(identity.organisationName, "範例股份有限公司");
    EXPECT_EQ(identity.identifier, "04595252");
    EXPECT_EQ(identity.identifierType, "ubn");
    EXPECT_EQ(identity.certificateSerial, "1234ABCD");
    EXPECT_EQ(identity.issuer, "CN=Example CA,O=Example,C=TW");
    EXPECT_EQ(example->checkFormat(plugin::format::Identifier, "04595252"), std::nullopt);
    EXPECT_NE(example->checkFormat(plugin::format::Identifier, "04595253"), std::nullopt);

    auto server = exampleCard();
    server.subjectDirectoryAttributes[0].values = { "2.16.886.1.100.3.3.1" };
    try {
        example->extractIdentity(server);
        FAIL() << "a server certificate was accepted";
    } catch (const plugin::PluginError& e) {
        EXPECT_EQ(e.code(), "WRONG_CARD_KIND");
    }
}
