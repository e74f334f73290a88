// Trust material taken up while serving (issue 13): a server whose GCA profile lacks its
// issuing-CA certificate says so (health, admin CA view, the card's refusal), and accepts GCA
// cards once the certificate is back in the profile and the server is told — by SIGHUP or
// from the admin page — without a restart. A profile that no longer loads keeps the previous.
#include "PortalTestSupport.hpp"

#include <csignal>
#include <filesystem>
#include <thread>

namespace certgate::test {
namespace {

namespace fs = std::filesystem;

class TrustReloadTest : public PortalTest {
protected:
    TrustReloadTest()
    {
        TestPki::get().copyCaProfiles(profiles());
        complete_ = readTextFile(gcaProfile());
        // The GCA profile without its issuing CA: the certificate and its key id dropped.
        auto gca = parseJsonObject(complete_);
        const auto& ca = TestPki::get().ca("gca");
        for (const auto& [key, value] :
            { std::pair<std::string, std::string> { "intermediates", ca.cert },
                { "issuerKeyIds", ca.ski } }) {
            auto array = gca->getArray(key);
            Poco::JSON::Array::Ptr kept = new Poco::JSON::Array;
            for (std::size_t i = 0; i < array->size(); ++i)
                if (array->getElement<std::string>(static_cast<unsigned>(i)) != value)
                    kept->add(array->get(static_cast<unsigned>(i)));
            gca->set(key, kept);
        }
        writeTextFile(gcaProfile(), stringify(gca));
    }

    void configure(Json& config) override { setConfigValue(config, "cas", "profiles", profiles()); }

    std::string profiles() const { return scratch_.file("ca-profiles"); }
    std::string gcaProfile() const { return profiles() + "/gca.json"; }

    HttpResponse presentGcaCard() const
    {
        auto flow = startFlow("first-registration");
        require(flow.acceptTerms(), 200, "terms");
        return flow.organisationCard("A0001", "gca-moi");
    }

    Json health() const
    {
        return body(require(httpRequest("GET", server_->url() + "/api/v1/health"), 200, "health"));
    }

    // SIGHUP is handled asynchronously: wait until health turns (bounded).
    bool waitForTrust(bool expected) const
    {
        for (int i = 0; i < 100; ++i) {
            if (text(health(), "trust") == (expected ? "true" : "false"))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    std::string complete_;
};

TEST_P(TrustReloadTest, AMissingIssuingCaIsNamedInTheRefusalTheHealthAndTheAdminView)
{
    auto refusal = presentGcaCard();
    ASSERT_TRUE(refused(refusal, 403, "CERT_UNTRUSTED")) << refusal.body;
    auto answer = body(refusal);
    EXPECT_NE(text(answer, "message").find("政府憑證管理中心"), std::string::npos) << refusal.body;
    EXPECT_NE(text(answer, "message").find("尚缺"), std::string::npos) << refusal.body;
    EXPECT_NE(text(answer, "messageEn").find("lacks that CA's certificate"), std::string::npos);
    EXPECT_EQ(text(answer, "message").find("測試"), std::string::npos)
        << "a production card is not called a test card";

    auto status = health();
    EXPECT_EQ(text(status, "status"), "degraded");
    EXPECT_EQ(text(status, "trust"), "false");
    EXPECT_EQ(text(status, "database"), "true");

    auto admin = staffSession();
    auto plugins = array(body(require(admin.get("/plugins"), 200, "plugins")), "plugins");
    bool seen = false;
    for (std::size_t i = 0; i < plugins->size(); ++i) {
        auto plugin = plugins->getObject(static_cast<unsigned>(i));
        if (text(plugin, "id") != "gca")
            continue;
        seen = true;
        EXPECT_EQ(text(plugin, "acceptsCards"), "false");
        EXPECT_GT(array(plugin, "problems")->size(), 0u);
    }
    EXPECT_TRUE(seen);
    auto adminHealth = body(require(admin.get("/health"), 200, "admin health"));
    EXPECT_EQ(text(adminHealth, "status"), "degraded");
    EXPECT_NE(server_->output().find("CA profile gca accepts no card"), std::string::npos);
}

TEST_P(TrustReloadTest, SighupTakesUpTheRestoredCertificateWithoutARestart)
{
    ASSERT_TRUE(refused(presentGcaCard(), 403, "CERT_UNTRUSTED"));
    writeTextFile(gcaProfile(), complete_);
    server_->signal(SIGHUP);
    ASSERT_TRUE(waitForTrust(true)) << server_->output();
    require(presentGcaCard(), 200, "the GCA card after SIGHUP");
    EXPECT_EQ(text(health(), "status"), "ok");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'ca.reload' AND actor = 'signal:SIGHUP'"), 1);
}

TEST_P(TrustReloadTest, AnAdminReloadsFromTheAdminPageAndItIsAudited)
{
    auto admin = staffSession();
    writeTextFile(gcaProfile(), complete_);
    auto reloaded = body(require(admin.post("/ca/reload", "{}"), 200, "reload"));
    EXPECT_EQ(text(reloaded, "changed"), "true");
    EXPECT_EQ(text(reloaded, "acceptsCards"), "true");
    require(presentGcaCard(), 200, "the GCA card after the admin's reload");
    EXPECT_EQ(count("FROM audit_events WHERE action = 'ca.reload' AND actor LIKE 'staff:%'"), 1);
}

TEST_P(TrustReloadTest, AProfileThatNoLongerLoadsKeepsThePreviousOne)
{
    writeTextFile(profiles() + "/moica.json", "{ not json");
    auto admin = staffSession();
    auto reloaded = body(require(admin.post("/ca/reload", "{}"), 200, "reload"));
    EXPECT_NE(stringify(reloaded).find("moica kept as it was"), std::string::npos)
        << stringify(reloaded);
    // MOICA cards still work: the staff session was made with one, and so is another.
    auto again = staffSession();
    EXPECT_FALSE(again.cookie().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, TrustReloadTest, ::testing::Values(Backend::Sqlite), ServerBackendName {});

} // namespace
} // namespace certgate::test
