#include <certgate/pluginhost/ProfileLoader.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <gtest/gtest.h>

#include <filesystem>

using namespace certgate;
using certgate::pluginhost::ProfileError;
using certgate::pluginhost::ProfileLoader;
namespace fs = std::filesystem;

namespace {

const fs::path kProfiles = CERTGATE_TEST_CA_PROFILES_DIR;

const core::CaProfile& byId(const std::vector<core::CaProfile>& profiles, const std::string& id)
{
    for (const auto& profile : profiles)
        if (profile.id == id)
            return profile;
    throw std::runtime_error("no profile " + id);
}

std::string text(const core::Bytes& bytes)
{
    return { bytes.begin(), bytes.end() };
}

// A valid profile whose anchor is a production certificate, by absolute path.
std::string profileJson(const std::string& id, const std::string& extra = {},
    const std::string& anchor = (kProfiles / "certs/grca-g2.pem").string())
{
    return R"({ "id": ")" + id + R"(", "plugin": "certgate-ca-)" + id
        + R"(", "kind": "organisation", "trustAnchors": [")" + anchor + R"("])" + extra + " }";
}

std::string errorFor(const pluginhost::LoadedProfiles& loaded, const std::string& fileName)
{
    for (const auto& error : loaded.errors)
        if (fs::path(error.file).filename() == fileName)
            return error.message;
    return "no error";
}

} // namespace

TEST(ProfileLoaderTest, parsesEveryProductionProfile)
{
    auto loaded = ProfileLoader::loadFolder(kProfiles);
    EXPECT_TRUE(loaded.errors.empty());
    ASSERT_EQ(loaded.profiles.size(), 5u);
    std::vector<std::string> ids;
    for (const auto& profile : loaded.profiles)
        ids.push_back(profile.id);
    EXPECT_EQ(ids, (std::vector<std::string> { "gca", "hca", "moeaca", "moica", "xca" }));
    EXPECT_EQ(byId(loaded.profiles, "moica").kind, plugin::CardKind::Citizen);
    EXPECT_EQ(byId(loaded.profiles, "moeaca").kind, plugin::CardKind::Organisation);
    EXPECT_EQ(byId(loaded.profiles, "moica").plugin, "certgate-ca-moica");
    EXPECT_EQ(byId(loaded.profiles, "gca").displayNameZh, "政府憑證管理中心");
    EXPECT_EQ(byId(loaded.profiles, "hca").service.phone, "0800-364-422");
    EXPECT_FALSE(byId(loaded.profiles, "xca").test);
    EXPECT_EQ(fs::path(byId(loaded.profiles, "gca").sourceFile).filename(), "gca.json");
}

TEST(ProfileLoaderTest, loadsTrustAnchorsAndIntermediatesRelativeToTheProfile)
{
    auto moica = ProfileLoader::loadFile(kProfiles / "moica.json");
    // GRCA G1, G2 and G3 (the root of MOICA G3).
    ASSERT_EQ(moica.trustAnchors.size(), 3u);
    ASSERT_EQ(moica.trustAnchorPaths.size(), 3u);
    EXPECT_EQ(fs::path(moica.trustAnchorPaths[2]).filename(), "grca-g3.pem");
    EXPECT_EQ(
        moica.trustAnchorPaths[0], (kProfiles / "certs/grca-g1.pem").lexically_normal().string());
    EXPECT_EQ(text(moica.trustAnchors[0]).rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
    EXPECT_EQ(text(moica.trustAnchors[0]), test::readTextFile(moica.trustAnchorPaths[0]));
    EXPECT_EQ(moica.intermediates.size(), 4u);
    EXPECT_EQ(fs::path(moica.intermediatePaths[3]).filename(), "moica-g3.pem");
    EXPECT_EQ(moica.issuerKeyIds,
        (std::vector<std::string> { "B620C8CFBE518AA454B978D304D10AB2CC7E2F46",
            "FA9B3467090A9822F762488B8226A645C5C322A4",
            "4720A3B1264BCD6D48ACF2640886972C7454115F" }));
    EXPECT_EQ(moica.policies, (std::vector<std::string> { "2.16.886.101.0.3.3" }));
}

TEST(ProfileLoaderTest, readsRevocationSettings)
{
    auto moica = ProfileLoader::loadFile(kProfiles / "moica.json");
    EXPECT_EQ(moica.revocation.mode, core::RevocationMode::OcspThenCrl);
    EXPECT_FALSE(moica.revocation.failOpen);
    EXPECT_EQ(moica.revocation.ocspUrl, "");
    EXPECT_TRUE(moica.revocation.ocspResponder.empty());
    EXPECT_EQ(moica.revocation.ocspTimeoutMs, 3000);
    EXPECT_EQ(moica.revocation.ocspMaxAgeSeconds, 86400);
    EXPECT_EQ(moica.revocation.ocspCacheSeconds, 0);
    EXPECT_EQ(moica.revocation.clockSkewSeconds, 300);
    EXPECT_EQ(moica.revocation.crlTimeoutMs, 10000);
    EXPECT_TRUE(moica.revocation.crlUrls.empty());
}

TEST(ProfileLoaderTest, flattensIdentityRulesIntoLists)
{
    auto loaded = ProfileLoader::loadFolder(kProfiles);
    const auto& moica = byId(loaded.profiles, "moica").identityRules;
    EXPECT_EQ(moica.at("nameFrom"), (std::vector<std::string> { "CN" }));
    EXPECT_EQ(moica.at("acceptedSubjectTypes"),
        (std::vector<std::string> { "2.16.886.1.100.3.1.1", "2.16.886.1.100.3.1.9" }));
    const auto& xca = byId(loaded.profiles, "xca").identityRules;
    EXPECT_TRUE(xca.at("acceptedSubjectTypes").empty());
    const auto& gca = byId(loaded.profiles, "gca").view();
    EXPECT_EQ(gca.id, "gca");
    EXPECT_EQ(gca.ruleList("organisationNameFrom"), (std::vector<std::string> { "OU", "O" }));
    EXPECT_EQ(byId(loaded.profiles, "moeaca").view().rule("identifierCrossCheck"), "true");
}

TEST(ProfileLoaderTest, readsLocalCrlFilesAndAPinnedResponder)
{
    test::TempDir dir;
    test::writeTextFile(dir.file("a.crl"), "CRL-A");
    test::writeTextFile(dir.file("responder.pem"), "RESPONDER");
    test::writeTextFile(dir.file("anchor.pem"), "ANCHOR");
    test::writeTextFile(dir.file("p.json"),
        profileJson("p",
            R"(, "revocation": { "mode": "crl", "failOpen": true, "ocsp": { "url": "http://ocsp", "responder": "responder.pem", "cacheSeconds": 90 },
                 "crl": { "urls": ["http://crl"], "files": ["a.crl"], "timeoutMs": 42 } })",
            "anchor.pem"));
    auto profile = ProfileLoader::loadFile(dir.file("p.json"));
    EXPECT_EQ(profile.revocation.mode, core::RevocationMode::Crl);
    EXPECT_TRUE(profile.revocation.failOpen);
    EXPECT_EQ(profile.revocation.ocspUrl, "http://ocsp");
    EXPECT_EQ(text(profile.revocation.ocspResponder), "RESPONDER");
    EXPECT_EQ(profile.revocation.ocspCacheSeconds, 90);
    EXPECT_EQ(profile.revocation.crlUrls, (std::vector<std::string> { "http://crl" }));
    ASSERT_EQ(profile.revocation.crlFiles.size(), 1u);
    EXPECT_EQ(text(profile.revocation.crlFiles[0]), "CRL-A");
    EXPECT_EQ(profile.revocation.crlFilePaths[0], dir.file("a.crl"));
    EXPECT_EQ(profile.revocation.crlTimeoutMs, 42);
    EXPECT_EQ(text(profile.trustAnchors[0]), "ANCHOR");
}

TEST(ProfileLoaderTest, reportsEachBrokenProfileWithItsFileAndFieldAndLoadsTheOthers)
{
    test::TempDir dir;
    auto write = [&](const std::string& name, const std::string& json) {
        test::writeTextFile(dir.file(name), json);
    };
    write("a-good.json", profileJson("good"));
    write("b-not-json.json", "{ \"id\": ");
    write("c-no-id.json", R"({ "plugin": "x", "kind": "citizen", "trustAnchors": ["a"] })");
    write("d-no-plugin.json", R"({ "id": "d", "kind": "citizen", "trustAnchors": ["a"] })");
    write("e-no-kind.json", R"({ "id": "e", "plugin": "x", "trustAnchors": ["a"] })");
    write("f-bad-kind.json",
        R"({ "id": "f", "plugin": "x", "kind": "person", "trustAnchors": ["a"] })");
    write("g-bad-mode.json", profileJson("g", R"(, "revocation": { "mode": "ocsp-or-crl" })"));
    write("h-missing-anchor.json", profileJson("h", "", "certs/nowhere.pem"));
    write("i-identity-number.json", profileJson("i", R"(, "identity": { "idLast4Oid": 251 })"));
    write("j-duplicate.json", profileJson("good"));
    write("k-plugin-path.json",
        R"({ "id": "k", "plugin": "../../tmp/evil", "kind": "citizen", "trustAnchors": ["a"] })");
    write("l-no-anchors.json",
        R"({ "id": "l", "plugin": "x", "kind": "citizen", "trustAnchors": [] })");
    write("m-bad-key-id.json", profileJson("m", R"(, "issuerKeyIds": ["XYZ"])"));
    write("n-array.json", "[1, 2]");
    write("readme.txt", "not a profile");

    auto loaded = ProfileLoader::loadFolder(dir.path());
    ASSERT_EQ(loaded.profiles.size(), 1u);
    EXPECT_EQ(loaded.profiles[0].id, "good");
    EXPECT_EQ(loaded.errors.size(), 13u);

    EXPECT_NE(errorFor(loaded, "b-not-json.json").find("b-not-json.json: not valid JSON"),
        std::string::npos);
    EXPECT_NE(
        errorFor(loaded, "c-no-id.json").find("c-no-id.json: id: is missing"), std::string::npos);
    EXPECT_NE(errorFor(loaded, "d-no-plugin.json").find("d-no-plugin.json: plugin: is missing"),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "e-no-kind.json").find("e-no-kind.json: kind: is missing"),
        std::string::npos);
    EXPECT_NE(
        errorFor(loaded, "f-bad-kind.json").find("kind: 'person' must be"), std::string::npos);
    EXPECT_NE(errorFor(loaded, "g-bad-mode.json")
                  .find("revocation.mode: unknown revocation mode 'ocsp-or-crl'"),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "h-missing-anchor.json").find("trustAnchors[0]: cannot read "),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "h-missing-anchor.json").find("nowhere.pem"), std::string::npos);
    EXPECT_NE(errorFor(loaded, "i-identity-number.json")
                  .find("identity.idLast4Oid: must be a string or an array"),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "j-duplicate.json")
                  .find("duplicate profile id 'good', already defined by "),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "j-duplicate.json").find("a-good.json"), std::string::npos);
    EXPECT_NE(errorFor(loaded, "k-plugin-path.json")
                  .find("plugin: '../../tmp/evil' must be a library base name"),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "l-no-anchors.json").find("trustAnchors: must name at least one"),
        std::string::npos);
    EXPECT_NE(
        errorFor(loaded, "m-bad-key-id.json").find("issuerKeyIds[0]: must be a hex key identifier"),
        std::string::npos);
    EXPECT_NE(errorFor(loaded, "n-array.json").find("must be a JSON object"), std::string::npos);
}

TEST(ProfileLoaderTest, loadFileThrowsAProfileErrorNamingFileAndField)
{
    test::TempDir dir;
    test::writeTextFile(dir.file("x.json"), profileJson("x", R"(, "test": "yes")"));
    try {
        ProfileLoader::loadFile(dir.file("x.json"));
        FAIL() << "a string was accepted for a boolean";
    } catch (const ProfileError& e) {
        EXPECT_EQ(e.file(), dir.file("x.json"));
        EXPECT_EQ(e.field(), "test");
        EXPECT_EQ(std::string(e.what()), dir.file("x.json") + ": test: must be true or false");
    }
}

TEST(ProfileLoaderTest, normalisesIssuerKeyIdsToUppercaseHex)
{
    test::TempDir dir;
    test::writeTextFile(
        dir.file("x.json"), profileJson("x", R"(, "issuerKeyIds": ["fa:9b:34:67"])"));
    EXPECT_EQ(ProfileLoader::loadFile(dir.file("x.json")).issuerKeyIds,
        (std::vector<std::string> { "FA9B3467" }));
}

TEST(ProfileLoaderTest, reportsAMissingFolder)
{
    auto loaded = ProfileLoader::loadFolder("/nonexistent/certgate/profiles");
    EXPECT_TRUE(loaded.profiles.empty());
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_NE(loaded.errors[0].message.find("cannot read the profiles folder"), std::string::npos);
}
