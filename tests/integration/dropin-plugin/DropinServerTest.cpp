// A sixth CA added to a running deployment without rebuilding the server (SPEC §6, issue 3
// item 4): its plugin, built as a separate project against the installed plugin SDK (the
// ctest script test dropin-plugin.sdk-built-plugin-loads-beside-the-five), is dropped into the
// plugins folder with its profile; after a restart the server accepts that CA's card. A plugin
// built for another API version is refused with a log line while the others keep working.
#include <certgate/test/CardSigner.hpp>
#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/FlowClient.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace certgate::test {
namespace {

namespace fs = std::filesystem;

class DropinServerTest : public ::testing::Test {
protected:
    DropinServerTest()
        : database_(Backend::Sqlite)
    {
        const auto& pki = TestPki::get();
        auto minted = run(sourceDir() + "/tests/integration/dropin-plugin/mint-example-ca.sh",
            { dir_.file("example"), pki.ca("root-g2").cert, rootKey() });
        EXPECT_EQ(minted.exitCode, 0) << minted.output;
        fs::create_directories(dir_.file("plugins"));
        for (const auto& entry : fs::directory_iterator(binaryDir() + "/lib/certgate/plugins"))
            fs::copy_file(entry.path(), fs::path(dir_.file("plugins")) / entry.path().filename());
        pki.copyCaProfiles(dir_.file("profiles"));
        writeTextFile(dir_.file("profiles/exampleca.json"),
            R"({
  "id": "exampleca", "plugin": "certgate-ca-exampleca", "kind": "organisation",
  "displayName": { "zh-TW": "範例憑證管理中心", "en": "Example CA" },
  "trustAnchors": [")"
                + pki.ca("root-g2").cert + R"("],
  "intermediates": [")"
                + dir_.file("example/ca.pem") + R"("],
  "issuerKeyIds": [")"
                + readTextFile(dir_.file("example/ca.ski")) + R"("],
  "policies": ["2.16.886.101.0.3.3"],
  "revocation": { "mode": "none" },
  "identity": { "subjectTypeOid": "2.16.886.1.100.2.1", "acceptedSubjectTypes": ["2.16.886.1.100.3.2.2.1.1"],
                "identifierOid": "2.16.886.1.100.2.101", "organisationNameFrom": "O" }
})");
        card_.name = "example-card";
        card_.signCert = dir_.file("example/card.pem");
        card_.signKey = dir_.file("example/card.key");
        ServerInstance::Options options;
        options.caProfiles = dir_.file("profiles");
        options.plugins = dir_.file("plugins");
        server_ = std::make_unique<ServerInstance>(database_, options);
    }

    static std::string rootKey() { return TestPki::get().ca("root-g2").key; }

    /// A query-oid flow with the example CA's card; returns the card step's answer.
    HttpResponse queryOid(FlowClient& flow)
    {
        EXPECT_EQ(flow.start("query-oid").status, 201);
        auto nonce = flow.challenge("organisation");
        Poco::JSON::Object::Ptr fields = new Poco::JSON::Object;
        fields->set("agencyCode", "A0001");
        return flow.cardStep(
            "organisation-card", fields, nonce, signToken(card_, flow.origin(), nonce));
    }

    TempDir dir_;
    ScratchDatabase database_;
    TestCard card_;
    std::unique_ptr<ServerInstance> server_;
};

TEST_F(DropinServerTest, TheNewCasCardIsAcceptedAfterThePluginIsDroppedInAndTheServerRestarts)
{
    server_->start();
    FlowClient before(server_->url(), server_->origin());
    auto refused = queryOid(before);
    EXPECT_EQ(errorCode(refused), "CERT_UNTRUSTED") << refused.body;
    EXPECT_NE(server_->output().find("exampleca"), std::string::npos)
        << "the missing plugin is logged";
    server_->stop();

    fs::copy_file(
        CERTGATE_DROPIN_PLUGIN, fs::path(dir_.file("plugins")) / "certgate-ca-exampleca.so");
    server_->start();
    FlowClient after(server_->url(), server_->origin());
    auto accepted = queryOid(after);

    ASSERT_EQ(accepted.status, 200) << accepted.body;
    auto organisation = after.last()->getObject("flow")->getObject("organisation");
    EXPECT_EQ(organisation->getValue<std::string>("ca"), "exampleca");
    EXPECT_EQ(organisation->getValue<std::string>("identifier"), "04595257");
    EXPECT_EQ(organisation->getValue<std::string>("identifierType"), "ubn");
    EXPECT_EQ(organisation->getValue<std::string>("organisationName"), "Example Trading Co.");
}

TEST_F(DropinServerTest, APluginForAnotherApiVersionIsRefusedWithALogLineWhileTheOthersWork)
{
    fs::copy_file(CERTGATE_WRONG_VERSION_PLUGIN,
        fs::path(dir_.file("plugins")) / "certgate-ca-wrong-version.so");
    writeTextFile(dir_.file("profiles/wrongversion.json"),
        R"({
  "id": "wrongversion", "plugin": "certgate-ca-wrong-version", "kind": "organisation",
  "displayName": { "zh-TW": "版本不符", "en": "Wrong version" },
  "trustAnchors": [")"
            + TestPki::get().ca("root-g2").cert + R"("],
  "issuerKeyIds": [], "policies": ["2.16.886.101.0.3.3"], "revocation": { "mode": "none" }, "identity": {}
})");
    server_->start();

    auto log = server_->output();
    EXPECT_NE(log.find("plugin wrongversion refused"), std::string::npos) << log;
    FlowClient flow(server_->url(), server_->origin());
    ASSERT_EQ(flow.start("query-serial").status, 201);
    auto answer = flow.citizenCard(TestPki::get().card("moica-wang").nationalId, "moica-wang");
    EXPECT_EQ(answer.status, 200) << answer.body;
}

} // namespace
} // namespace certgate::test
