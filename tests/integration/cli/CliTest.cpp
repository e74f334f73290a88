// certgate inspect-cert and verify-token (SPEC §8) as a person or script runs them: the real
// executable, the built plugins, the generated test PKI and the production profiles.
#include "CliSupport.hpp"

#include <certgate/test/CardSigner.hpp>
#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/FlowClient.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

namespace certgate::test {
namespace {

const std::string kOrigin = "https://portal.certgate.test";
const std::string kNonce = "c2VydmVyLWlzc3VlZC1ub25jZS1mb3ItdGhlLWNsaS10ZXN0cw==";

std::vector<std::string> testProfiles()
{
    return { "--ca-profiles", TestPki::get().caProfilesDir() };
}

Json inspect(const std::string& card, std::vector<std::string> extra = {})
{
    std::vector<std::string> args { "inspect-cert", TestPki::get().card(card).signCert };
    auto profiles = testProfiles();
    args.insert(args.end(), profiles.begin(), profiles.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return certgate(args);
}

TEST(InspectCertTest, AGoodCardOfEachCaShowsItsIdentityAndAValidChain)
{
    for (const char* name :
        { "moica-wang", "gca-moi", "xca-school", "moeaca-company", "hca-hospital" }) {
        const auto& card = TestPki::get().card(name);
        auto out = inspect(name);
        ASSERT_TRUE(out.body) << out.output;
        EXPECT_EQ(out.exitCode, 0) << out.output;
        std::string ca = card.ca;
        for (auto& c : ca)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_EQ(str(out.body, "ca"), ca);
        EXPECT_EQ(str(out.body, "kind"), card.kind);
        auto identity = out.body->getObject("identity");
        ASSERT_TRUE(identity) << out.output;
        EXPECT_EQ(str(identity, "certificateSerial"), card.serial);
        if (card.kind == "citizen") {
            EXPECT_EQ(str(identity, "name"), card.personName);
            EXPECT_EQ(str(identity, "idLast4"), card.idLast4);
        } else {
            EXPECT_EQ(str(identity, "identifier"), card.identifier);
            EXPECT_EQ(str(identity, "identifierType"), card.identifierType);
        }
        auto chain = out.body->getObject("chain");
        EXPECT_TRUE(chain->getValue<bool>("valid")) << out.output;
        EXPECT_TRUE(chain->isNull("error"));
        EXPECT_EQ(chain->getArray("path")->size(), 3u) << "card, issuing CA, root";
        EXPECT_EQ(str(out.body->getObject("revocation"), "status"), "good");
    }
}

TEST(InspectCertTest, AnExpiredCardHasAnInvalidChainWithItsCode)
{
    auto out = inspect("moica-expired");
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    auto chain = out.body->getObject("chain");
    EXPECT_FALSE(chain->getValue<bool>("valid"));
    EXPECT_EQ(str(chain, "error"), "CERT_EXPIRED");
}

TEST(InspectCertTest, ARevokedCardHasAValidChainButARevokedStatus)
{
    auto out = inspect("moica-revoked");
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    EXPECT_TRUE(out.body->getObject("chain")->getValue<bool>("valid"));
    EXPECT_EQ(str(out.body->getObject("revocation"), "status"), "revoked");
}

TEST(InspectCertTest, AtATimeBeforeTheCardWasIssuedItIsNotYetValid)
{
    auto out = inspect("moica-wang", { "--at", "2000-01-01T00:00:00Z" });
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(str(out.body->getObject("chain"), "error"), "CERT_NOT_YET_VALID");
}

TEST(InspectCertTest, TheProductionProfilesDoNotTrustTheTestPki)
{
    // The test MOICA has the real MOICA's DN: named as MOICA's, refused for its key.
    auto out = certgate({ "inspect-cert", TestPki::get().card("moica-wang").signCert,
        "--ca-profiles", sourceDir() + "/ca-profiles" });
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    EXPECT_EQ(str(out.body, "ca"), "MOICA");
    auto chain = out.body->getObject("chain");
    EXPECT_FALSE(chain->getValue<bool>("valid"));
    EXPECT_EQ(str(chain, "error"), "CERT_UNTRUSTED");
    EXPECT_EQ(str(chain, "missingIssuerKeyId"), TestPki::get().ca("moica-g2").ski);
}

TEST(InspectCertTest, AFileThatIsNoCertificateIsMalformed)
{
    TempDir dir;
    writeTextFile(dir.file("junk.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    auto out = certgate({ "inspect-cert", dir.file("junk.pem") });
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    EXPECT_EQ(str(out.body, "error"), "CERT_MALFORMED");
}

class VerifyTokenTest : public ::testing::Test {
protected:
    Json verify(const std::string& tokenJson, const std::string& origin,
        std::vector<std::string> extra = {})
    {
        writeTextFile(dir_.file("token.json"), tokenJson);
        std::vector<std::string> args { "verify-token", "--origin", origin, "--nonce", kNonce };
        auto profiles = testProfiles();
        args.insert(args.end(), profiles.begin(), profiles.end());
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(dir_.file("token.json"));
        return certgate(args);
    }
    TempDir dir_;
};

TEST_F(VerifyTokenTest, AGoodTokenIsAcceptedWithItsIdentity)
{
    const auto& card = TestPki::get().card("moica-wang");
    auto out = verify(signToken(card, kOrigin, kNonce), kOrigin);
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 0) << out.output;
    EXPECT_TRUE(out.body->getValue<bool>("ok"));
    EXPECT_EQ(str(out.body, "ca"), "MOICA");
    EXPECT_EQ(str(out.body, "kind"), "citizen");
    EXPECT_EQ(str(out.body->getObject("identity"), "certificateSerial"), card.serial);
    EXPECT_EQ(str(out.body->getObject("identity"), "name"), card.personName);
}

TEST_F(VerifyTokenTest, AnEcdsaTokenIsAccepted)
{
    auto out = verify(signToken(TestPki::get().card("moica-ecdsa"), kOrigin, kNonce), kOrigin);
    EXPECT_EQ(out.exitCode, 0) << out.output;
}

TEST_F(VerifyTokenTest, AnotherOriginFailsTheSignature)
{
    auto out = verify(
        signToken(TestPki::get().card("moica-wang"), kOrigin, kNonce), "https://evil.example");
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    EXPECT_FALSE(out.body->getValue<bool>("ok"));
    EXPECT_EQ(str(out.body, "error"), "SIGNATURE_INVALID");
    EXPECT_FALSE(str(out.body, "message").empty());
    EXPECT_FALSE(str(out.body, "messageEn").empty());
}

TEST_F(VerifyTokenTest, EachBadCardGetsTheCodeTheTestPkiExpects)
{
    for (const auto& name : TestPki::get().cardNames()) {
        const auto& card = TestPki::get().card(name);
        if (card.expect.empty())
            continue;
        auto out = verify(signToken(card, kOrigin, kNonce), kOrigin);
        ASSERT_TRUE(out.body) << name << ": " << out.output;
        EXPECT_EQ(out.exitCode, 1) << name;
        EXPECT_EQ(str(out.body, "error"), card.expect) << name;
    }
}

TEST_F(VerifyTokenTest, RevocationCanBeSwitchedOffForOfflineChecks)
{
    auto token = signToken(TestPki::get().card("moica-revoked"), kOrigin, kNonce);
    EXPECT_EQ(str(verify(token, kOrigin).body, "error"), "CERT_REVOKED");
    EXPECT_EQ(verify(token, kOrigin, { "--revocation", "none" }).exitCode, 0);
}

TEST_F(VerifyTokenTest, AMalformedTokenIsRefused)
{
    auto out = verify(R"({"format":"certgate-auth:1"})", kOrigin);
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(str(out.body, "error"), "MALFORMED_TOKEN");
}

TEST(CliUsageTest, MissingArgumentsAreUsageErrors)
{
    EXPECT_EQ(certgate({ "verify-token", "--origin", kOrigin }).exitCode, 2);
    EXPECT_EQ(certgate({ "inspect-cert" }).exitCode, 2);
    EXPECT_EQ(certgate({ "no-such-command" }).exitCode, 2);
    EXPECT_EQ(certgate({ "verify-token", "--origin", kOrigin, "--nonce", kNonce, "--revocation",
                           "sometimes", "x.json" })
                  .exitCode,
        2);
    EXPECT_EQ(certgate({ "version" }).exitCode, 0);
}

TEST(CliUsageTest, EverySubcommandAnswersHelpOnStdout)
{
    for (const auto* command : { "serve", "migrate", "import-agencies", "staff", "audit", "keys",
             "backup", "restore", "inspect-cert", "verify-token", "ca", "version" }) {
        auto out = run(certgateBinary(), { command, "--help" });
        EXPECT_EQ(out.exitCode, 0) << command << ": " << out.output;
        EXPECT_NE(out.output.find("usage: certgate"), std::string::npos) << command;
    }
    // After a verb too, with no configuration anywhere (the help needs none).
    const std::vector<std::vector<std::string>> verbs = { { "staff", "add", "--help" },
        { "staff", "list", "-h" }, { "audit", "verify", "--help" }, { "keys", "status", "--help" },
        { "keys", "rotate", "--pii", "--help" }, { "keys", "retire", "--pii", "--help" },
        { "ca", "import", "--help" }, { "ca", "status", "--help" } };
    for (const auto& args : verbs) {
        auto out
            = run(certgateBinary(), args, { { "CERTGATE_CONFIG", "/nonexistent/certgate.json" } });
        EXPECT_EQ(out.exitCode, 0) << args[0] << " " << args[1] << ": " << out.output;
        EXPECT_NE(out.output.find("usage: certgate"), std::string::npos)
            << args[0] << " " << args[1];
    }
}

TEST(CliUsageTest, VersionNamesThePluginApiAndEachPlugin)
{
    auto out = run(certgateBinary(), { "version" });
    EXPECT_EQ(out.exitCode, 0);
    EXPECT_NE(out.output.find("(plugin API 1)"), std::string::npos) << out.output;
    for (const auto* id : { "gca", "xca", "moeaca", "hca", "moica" })
        EXPECT_NE(out.output.find(std::string("  ") + id + "  plugin API 1"), std::string::npos)
            << id << ": " << out.output;
}

TEST(CliUsageTest, OfflineCommandsPrintOnlyWarningsUnlessVerbose)
{
    const auto cert = TestPki::get().card("moica-wang").signCert;
    auto quiet = run(certgateBinary(),
        { "inspect-cert", cert, "--ca-profiles", TestPki::get().caProfilesDir() });
    EXPECT_EQ(quiet.output.find("plugin moica loaded"), std::string::npos) << quiet.output;
    auto verbose = run(certgateBinary(),
        { "inspect-cert", cert, "--ca-profiles", TestPki::get().caProfilesDir(), "--verbose" });
    EXPECT_NE(verbose.output.find("plugin moica loaded"), std::string::npos) << verbose.output;
}

} // namespace
} // namespace certgate::test
