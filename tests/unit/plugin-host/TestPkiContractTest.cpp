// Every card of the generated test PKI (tests/pki, cards.json), parsed by the real x509
// adapter and judged by the real plugins loaded with the TEST profiles: each plugin must
// extract exactly the identity the manifest records, or refuse with the manifest's code.
#include <certgate/core/Clock.hpp>
#include <certgate/plugin/PluginError.hpp>
#include <certgate/pluginhost/PluginHost.hpp>
#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <gtest/gtest.h>

using namespace certgate;
using certgate::pluginhost::PluginHost;
using certgate::pluginhost::ProfileLoader;

namespace {

plugin::CertificateView parseCard(
    const x509::OpenSslCertificateValidator& parser, const test::TestCard& card)
{
    auto pem = test::readBinaryFile(card.signCert);
    auto der = x509::readCertificates(pem);
    if (der.size() != 1)
        throw std::runtime_error(card.name + ": expected one certificate in " + card.signCert);
    return parser.parse(der.front());
}

} // namespace

TEST(TestPkiContractTest, everyPluginLoadsWithTheTestProfiles)
{
    auto profiles = ProfileLoader::loadFolder(test::TestPki::get().caProfilesDir());
    ASSERT_TRUE(profiles.errors.empty()) << profiles.errors.front().message;
    for (const auto& profile : profiles.profiles)
        EXPECT_TRUE(profile.test) << profile.id;
    PluginHost host(CERTGATE_TEST_PLUGIN_DIR, std::move(profiles));
    EXPECT_EQ(
        host.loadedIds(), (std::vector<std::string> { "gca", "hca", "moeaca", "moica", "xca" }));
}

TEST(TestPkiContractTest, eachPluginExtractsTheManifestIdentityOfEveryTestCard)
{
    const auto& pki = test::TestPki::get();
    auto profiles = ProfileLoader::loadFolder(pki.caProfilesDir());
    ASSERT_TRUE(profiles.errors.empty());
    core::SystemClock clock;
    x509::OpenSslCertificateValidator parser(profiles.profiles, clock);
    PluginHost host(CERTGATE_TEST_PLUGIN_DIR, std::move(profiles));

    int extracted = 0;
    int refused = 0;
    for (const auto& name : pki.cardNames()) {
        SCOPED_TRACE(name);
        const auto& card = pki.card(name);
        const auto* plugin = host.find(card.ca);
        ASSERT_NE(plugin, nullptr) << card.ca;
        auto view = parseCard(parser, card);

        if (card.expect == "WRONG_CARD_KIND" || card.expect == "CERT_MALFORMED") {
            try {
                plugin->extractIdentity(view);
                ADD_FAILURE() << "the " << card.ca << " plugin accepted " << name;
            } catch (const plugin::PluginError& e) {
                EXPECT_EQ(e.code(), card.expect);
                ++refused;
            }
            continue;
        }
        // Other refusals (expiry, revocation, key usage, test CA) are the validator's, not
        // the plugin's: the plugin still reads what the card says.
        auto identity = plugin->extractIdentity(view);
        EXPECT_EQ(identity.certificateSerial, card.serial);
        EXPECT_EQ(identity.issuer, view.issuerString);
        if (card.kind == "citizen") {
            EXPECT_EQ(identity.kind, plugin::CardKind::Citizen);
            EXPECT_EQ(identity.name, card.personName);
            EXPECT_EQ(identity.idLast4, card.idLast4);
            EXPECT_EQ(identity.subjectSerialNumber, card.subjectSerialNumber);
            if (!card.nationalId.empty()) {
                EXPECT_EQ(
                    plugin->checkFormat(plugin::format::NationalId, card.nationalId), std::nullopt);
            }
            EXPECT_EQ(
                plugin->checkFormat(plugin::format::CertificateSerial, card.serial), std::nullopt);
        } else {
            EXPECT_EQ(identity.kind, plugin::CardKind::Organisation);
            EXPECT_EQ(identity.organisationName, card.organisationName);
            EXPECT_EQ(identity.identifier, card.identifier);
            EXPECT_EQ(identity.identifierType, card.identifierType);
            EXPECT_EQ(
                plugin->checkFormat(plugin::format::Identifier, card.identifier), std::nullopt);
        }
        ++extracted;
    }
    EXPECT_GE(extracted, 20);
    EXPECT_GE(refused, 1);
}

TEST(TestPkiContractTest, noOrganisationPluginAcceptsACitizenCardAndMoicaNoOrganisationCard)
{
    const auto& pki = test::TestPki::get();
    auto profiles = ProfileLoader::loadFolder(pki.caProfilesDir());
    core::SystemClock clock;
    x509::OpenSslCertificateValidator parser(profiles.profiles, clock);
    PluginHost host(CERTGATE_TEST_PLUGIN_DIR, std::move(profiles));

    auto citizen = parseCard(parser, pki.card("moica-wang"));
    for (const auto& id : { "gca", "xca", "moeaca", "hca" }) {
        try {
            host.find(id)->extractIdentity(citizen);
            ADD_FAILURE() << id << " accepted a citizen card";
        } catch (const plugin::PluginError& e) {
            EXPECT_EQ(e.code(), "WRONG_CARD_KIND") << id;
        }
    }
    for (const auto& name : { "gca-moi", "xca-school", "moeaca-company", "hca-hospital" }) {
        try {
            host.find("moica")->extractIdentity(parseCard(parser, pki.card(name)));
            ADD_FAILURE() << "moica accepted " << name;
        } catch (const plugin::PluginError& e) {
            EXPECT_EQ(e.code(), "WRONG_CARD_KIND") << name;
        }
    }
}
