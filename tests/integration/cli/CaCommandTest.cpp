// certgate ca status / ca import (issue 13) on the real GPKI certificates shipped in
// ca-profiles/certs and on the test PKI, run as an operator would run them.
#include "CliSupport.hpp"

#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace certgate::test {
namespace {

namespace fs = std::filesystem;

const std::string kShippedCerts = sourceDir() + "/ca-profiles/certs/";

// A copy of the shipped profiles to change: `edit` rewrites one profile's text.
class ProfilesCopy {
public:
    ProfilesCopy() { fs::copy(sourceDir() + "/ca-profiles", dir(), fs::copy_options::recursive); }
    std::string dir() const { return temp_.file("profiles"); }
    std::string file(const std::string& id) const { return dir() + "/" + id + ".json"; }
    void edit(const std::string& id, const std::string& from, const std::string& to)
    {
        auto text = readTextFile(file(id));
        auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << id << ": " << from;
        writeTextFile(file(id), text.replace(at, from.size(), to));
    }
    /// Removes `value` from the array `key` of profile `id`.
    void drop(const std::string& id, const std::string& key, const std::string& value)
    {
        auto profile = parseJsonObject(readTextFile(file(id)));
        auto array = profile->getArray(key);
        ASSERT_TRUE(array) << id << ": " << key;
        Poco::JSON::Array::Ptr kept = new Poco::JSON::Array;
        for (std::size_t i = 0; i < array->size(); ++i)
            if (array->getElement<std::string>(static_cast<unsigned>(i)) != value)
                kept->add(array->get(static_cast<unsigned>(i)));
        ASSERT_EQ(kept->size() + 1, array->size()) << id << ": " << value;
        profile->set(key, kept);
        std::ostringstream text;
        profile->stringify(text, 2);
        writeTextFile(file(id), text.str());
    }
    std::string scratch(const std::string& name) const { return temp_.file(name); }

private:
    TempDir temp_;
};

Poco::JSON::Object::Ptr profileStatus(const Json& out, const std::string& id)
{
    auto profiles = out.body ? out.body->getArray("profiles") : nullptr;
    for (std::size_t i = 0; profiles && i < profiles->size(); ++i) {
        auto p = profiles->getObject(static_cast<unsigned>(i));
        if (str(p, "id") == id)
            return p;
    }
    ADD_FAILURE() << "no profile " << id << " in " << out.output;
    return nullptr;
}

bool acceptsCards(const Json& out, const std::string& id)
{
    auto p = profileStatus(out, id);
    return p && p->getValue<bool>("acceptsCards");
}

Json status(const std::string& profiles)
{
    return certgate({ "ca", "status", "--json", "--profiles", profiles });
}

// A PKCS#7 bundle (.p7b, DER) of the given PEM files, as the CAs publish them.
std::string bundle(const ProfilesCopy& copy, const std::vector<std::string>& pems)
{
    std::vector<std::string> args { "crl2pkcs7", "-nocrl", "-outform", "DER", "-out",
        copy.scratch("bundle.p7b") };
    for (const auto& pem : pems) {
        args.push_back("-certfile");
        args.push_back(pem);
    }
    auto made = run("openssl", args);
    EXPECT_EQ(made.exitCode, 0) << made.output;
    return copy.scratch("bundle.p7b");
}

TEST(CaStatusTest, TheShippedProfilesTellTheTruthAboutEachOfTheFiveCas)
{
    auto out = status(sourceDir() + "/ca-profiles");
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1) << "some profile accepts no card: exit 1";
    EXPECT_FALSE(out.body->getValue<bool>("acceptsCards"));
    EXPECT_TRUE(acceptsCards(out, "moica"));
    EXPECT_TRUE(acceptsCards(out, "moeaca"));
    for (const auto* id : { "gca", "xca", "hca" }) {
        EXPECT_FALSE(acceptsCards(out, id)) << id;
        auto p = profileStatus(out, id);
        ASSERT_TRUE(p);
        EXPECT_GT(p->getArray("problems")->size(), 0u) << id;
        EXPECT_EQ(p->getArray("missing")->size(), 1u) << id;
    }
    auto gcaMissing = profileStatus(out, "gca")->getArray("missing")->getObject(0);
    EXPECT_EQ(str(gcaMissing, "keyId"), "D11867C357FE129A916B5F5F31EA3EC28487FBBD");
    EXPECT_EQ(str(gcaMissing, "sha256"),
        "1f992b635905fc0eecedaabceaf9741d77778dd838de92b5bb5111722f4631d6");
    auto xcaMissing = profileStatus(out, "xca")->getArray("missing")->getObject(0);
    EXPECT_EQ(str(xcaMissing, "keyId"), "5BEE156A49171C6A804DE85EE745AAFF80C7A040");
    // MOICA G1 expired in 2023: a warning, not a reason to refuse G2 and G3 cards.
    auto moica = profileStatus(out, "moica");
    EXPECT_NE(moica->getArray("warnings")->size(), 0u);

    auto text = certgate({ "ca", "status", "--profiles", sourceDir() + "/ca-profiles" });
    EXPECT_EQ(text.exitCode, 1);
    EXPECT_NE(text.output.find("gca"), std::string::npos);
    EXPECT_NE(text.output.find("ACCEPTS NO CARD"), std::string::npos) << text.output;
}

TEST(CaStatusTest, TheTestPkiProfilesAllAcceptCards)
{
    auto out = status(TestPki::get().caProfilesDir());
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 0) << out.output;
    EXPECT_TRUE(out.body->getValue<bool>("acceptsCards"));
}

TEST(CaStatusTest, AnswersHelpOnStdout)
{
    auto out = run(certgateBinary(), { "ca", "status", "--help" });
    EXPECT_EQ(out.exitCode, 0);
    EXPECT_NE(out.output.find("usage: certgate ca status"), std::string::npos) << out.output;
}

TEST(CaImportTest, APkcs7BundleMakesAProfileAcceptItsCardsOnlyWithApply)
{
    ProfilesCopy copy;
    copy.drop("moeaca", "intermediates", "certs/moeaca-g2.pem");
    copy.drop("moeaca", "issuerKeyIds", "99447A0272EB6D6522B302578FD6A1DD3A020F6C");
    ASSERT_FALSE(acceptsCards(status(copy.dir()), "moeaca"));

    auto p7b = bundle(copy, { kShippedCerts + "grca-g2.pem", kShippedCerts + "moeaca-g2.pem" });
    const auto before = readTextFile(copy.file("moeaca"));
    auto dry = certgate({ "ca", "import", p7b, "--profiles", copy.dir() });
    EXPECT_EQ(dry.exitCode, 0) << dry.output;
    EXPECT_NE(dry.output.find("add  OU=工商憑證管理中心"), std::string::npos) << dry.output;
    EXPECT_NE(dry.output.find("present  O=Government Root"), std::string::npos) << dry.output;
    EXPECT_NE(dry.output.find("nothing written"), std::string::npos) << dry.output;
    EXPECT_EQ(readTextFile(copy.file("moeaca")), before);
    EXPECT_FALSE(acceptsCards(status(copy.dir()), "moeaca"));

    auto applied = certgate({ "ca", "import", p7b, "--profiles", copy.dir(), "--apply" });
    EXPECT_EQ(applied.exitCode, 0) << applied.output;
    auto after = status(copy.dir());
    EXPECT_TRUE(acceptsCards(after, "moeaca")) << after.output;
    EXPECT_NE(readTextFile(copy.dir() + "/certs/INDEX.md").find("moeaca-99447a02.pem"),
        std::string::npos);
    // Importing it again adds nothing.
    auto again = certgate({ "ca", "import", p7b, "--profiles", copy.dir(), "--apply" });
    EXPECT_EQ(again.exitCode, 0) << again.output;
    EXPECT_NE(again.output.find("nothing to add"), std::string::npos) << again.output;
}

TEST(CaImportTest, ALinkCertificateGoesToEveryProfilePinningItsRoots)
{
    ProfilesCopy copy;
    for (const auto* id : { "gca", "hca", "moeaca", "moica", "xca" })
        copy.drop(id, "intermediates", "certs/grca-g1-to-g2-link.pem");
    fs::remove(copy.dir() + "/certs/grca-g1-to-g2-link.pem");
    auto out = certgate({ "ca", "import", kShippedCerts + "grca-g1-to-g2-link.pem", "--profiles",
        copy.dir(), "--apply" });
    EXPECT_EQ(out.exitCode, 0) << out.output;
    EXPECT_NE(out.output.find("link of gca, hca, moeaca, moica, xca"), std::string::npos)
        << out.output;
    auto after = status(copy.dir());
    auto certificates = profileStatus(after, "moica")->getArray("certificates");
    int links = 0;
    for (std::size_t i = 0; i < certificates->size(); ++i)
        links += str(certificates->getObject(static_cast<unsigned>(i)), "role") == "link";
    EXPECT_EQ(links, 1) << after.output;
}

TEST(CaImportTest, ATestCaIsRefused)
{
    auto out = certgate({ "ca", "import", TestPki::get().ca("gtestca").cert, "--profiles",
        TestPki::get().caProfilesDir() });
    EXPECT_EQ(out.exitCode, 1) << out.output;
    EXPECT_NE(out.output.find("refused"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("test CA"), std::string::npos) << out.output;
}

TEST(CaImportTest, AnUnrelatedSelfSignedCaAndAnythingNotChainingAreRefused)
{
    ProfilesCopy copy;
    auto made = run("openssl",
        { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", copy.scratch("k.pem"),
            "-subj", "/C=TW/O=Unrelated Root", "-days", "30", "-addext",
            "basicConstraints=critical,CA:TRUE", "-out", copy.scratch("root.pem") });
    ASSERT_EQ(made.exitCode, 0) << made.output;
    auto out = certgate({ "ca", "import", copy.scratch("root.pem"), "--profiles", copy.dir() });
    EXPECT_EQ(out.exitCode, 1) << out.output;
    EXPECT_NE(out.output.find("a root that no profile pins"), std::string::npos) << out.output;

    // The test PKI's GCA chains to the test root, which the shipped profiles do not pin.
    auto foreign
        = certgate({ "ca", "import", TestPki::get().ca("gca").cert, "--profiles", copy.dir() });
    EXPECT_EQ(foreign.exitCode, 1) << foreign.output;
    EXPECT_NE(foreign.output.find("does not chain"), std::string::npos) << foreign.output;

    // A card is no CA certificate.
    auto card = certgate({ "ca", "import", TestPki::get().card("gca-moi").signCert, "--profiles",
        TestPki::get().caProfilesDir() });
    EXPECT_EQ(card.exitCode, 1);
    EXPECT_NE(card.output.find("not a CA certificate"), std::string::npos) << card.output;
}

TEST(CaImportTest, ANewRootIsPinnedOnlyWithItsFingerprint)
{
    ProfilesCopy copy;
    copy.edit("moica", R"(, "certs/grca-g3.pem")", "");
    const auto g3 = kShippedCerts + "grca-g3.pem";
    const std::string fingerprint
        = "57:DF:6F:20:E0:4C:58:8E:85:F3:5B:E8:83:2F:5D:4E:78:95:83:36:AE:3B:18:FB:7C:9B:AE:0D:FE:"
          "AD:40:44";
    auto wrong = certgate({ "ca", "import", "--anchor", g3, "--sha256", std::string(64, '0'),
        "--profile", "moica", "--profiles", copy.dir(), "--apply" });
    EXPECT_EQ(wrong.exitCode, 1) << wrong.output;
    EXPECT_NE(wrong.output.find("not the one given"), std::string::npos) << wrong.output;

    auto right = certgate({ "ca", "import", "--anchor", g3, "--sha256", fingerprint, "--profile",
        "moica", "--profiles", copy.dir(), "--apply" });
    EXPECT_EQ(right.exitCode, 0) << right.output;
    EXPECT_NE(readTextFile(copy.file("moica")).find("root-3a908ee7.pem"), std::string::npos);
}

TEST(CaImportTest, SaysWhetherAFileMatchesThePublishedFingerprint)
{
    ProfilesCopy copy;
    // Pretend XCA publishes MOEACA G2's certificate (which MOEACA then does not hold): once
    // with its real fingerprint, once with another.
    copy.drop("moeaca", "intermediates", "certs/moeaca-g2.pem");
    copy.drop("moeaca", "issuerKeyIds", "99447A0272EB6D6522B302578FD6A1DD3A020F6C");
    const std::string expected = R"("expectedIssuingCas": [
    { "name": "example", "keyId": "99447A0272EB6D6522B302578FD6A1DD3A020F6C", "sha256": ")";
    copy.edit("xca", R"("expectedIssuingCas": [)", expected + std::string(64, 'a') + R"(" },)");
    auto mismatch = certgate({ "ca", "import", kShippedCerts + "moeaca-g2.pem", "--profile", "xca",
        "--profiles", copy.dir() });
    EXPECT_NE(mismatch.output.find("does NOT match the published fingerprint"), std::string::npos)
        << mismatch.output;
    copy.edit("xca", std::string(64, 'a'),
        "0cf08b01e554eb7631d4916e9e8c5398af994242a26ca388638622a0e59ff379");
    auto match = certgate({ "ca", "import", kShippedCerts + "moeaca-g2.pem", "--profile", "xca",
        "--profiles", copy.dir() });
    EXPECT_NE(match.output.find("matches the published fingerprint of example"), std::string::npos)
        << match.output;
}

TEST(InspectCaCertificateTest, EveryRealCaCertificateIsReadWithItsCaAndRole)
{
    // Every real GPKI certificate the project has (the shared real-ca folder's are all shipped).
    {
        for (const auto& entry : fs::directory_iterator(sourceDir() + "/ca-profiles/certs")) {
            if (entry.path().extension() != ".pem")
                continue;
            const auto name = entry.path().filename().string();
            auto out = certgate({ "inspect-cert", entry.path().string() });
            ASSERT_TRUE(out.body) << name << ": " << out.output;
            EXPECT_EQ(str(out.body, "kind"), "ca-certificate") << name;
            auto identity = out.body->getObject("identity");
            ASSERT_TRUE(identity) << name;
            EXPECT_FALSE(str(identity, "name").empty()) << name;
            EXPECT_GT(identity->getArray("heldBy")->size(), 0u) << name;
            std::string expectedCa = name.starts_with("moica") ? "MOICA"
                : name.starts_with("moeaca")                   ? "MOEACA"
                                                               : "";
            EXPECT_EQ(str(out.body, "ca"), expectedCa) << name;
            EXPECT_EQ(str(identity, "role"),
                name.find("link") != std::string::npos ? "link"
                    : name.starts_with("grca")         ? "root"
                                                       : "issuing-ca")
                << name;
            // All but MOICA G1 (expired 2023) chain now.
            EXPECT_EQ(out.body->getObject("chain")->getValue<bool>("valid"), name != "moica-g1.pem")
                << name << ": " << out.output;
        }
    }
}

TEST(InspectCaCertificateTest, ACardWhoseIssuingCaIsMissingIsNamedAndItsIdentityRead)
{
    ProfilesCopy copy;
    fs::remove_all(copy.dir());
    TestPki::get().copyCaProfiles(copy.dir());
    const auto gca = TestPki::get().ca("gca");
    copy.drop("gca", "intermediates", gca.cert);
    copy.drop("gca", "issuerKeyIds", gca.ski);

    auto out = certgate(
        { "inspect-cert", TestPki::get().card("gca-moi").signCert, "--ca-profiles", copy.dir() });
    ASSERT_TRUE(out.body) << out.output;
    EXPECT_EQ(out.exitCode, 1);
    EXPECT_EQ(str(out.body, "ca"), "GCA");
    EXPECT_EQ(str(out.body->getObject("identity"), "identifier"),
        TestPki::get().card("gca-moi").identifier);
    auto chain = out.body->getObject("chain");
    EXPECT_FALSE(chain->getValue<bool>("valid"));
    EXPECT_EQ(str(chain, "missingIssuerKeyId"), gca.ski);
    EXPECT_NE(str(chain, "detail").find(gca.ski), std::string::npos);
}

} // namespace
} // namespace certgate::test
