#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/test/ChildProcess.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace certgate::x509 {
namespace {

using certgate::test::ChildProcess;
using certgate::test::TempDir;
using certgate::test::TestPki;
using core::ErrorCode;
using Status = core::RevocationResult::Status;
using namespace certgate::x509::test;
using SteadyClock = std::chrono::steady_clock;

/// `openssl ocsp` answering for one CA from its index.txt, on a port the kernel picks.
class OcspResponder {
public:
    OcspResponder(
        const std::string& ca, const std::string& signerCert, const std::string& signerKey)
        : process_("openssl",
            { "ocsp", "-port", "0", "-index", TestPki::get().ca(ca).index, "-CA",
                TestPki::get().ca(ca).cert, "-rsigner", signerCert, "-rkey", signerKey, "-nmin",
                "5" })
    {
        auto port = process_.waitForOutput(R"(ACCEPT .*:(\d+) PID)");
        if (!port)
            throw std::runtime_error("openssl ocsp did not start: " + process_.output());
        url_ = "http://127.0.0.1:" + *port;
    }
    explicit OcspResponder(const std::string& ca)
        : OcspResponder(ca, TestPki::get().ca(ca).ocspCert, TestPki::get().ca(ca).ocspKey)
    {
    }
    const std::string& url() const { return url_; }

private:
    ChildProcess process_;
    std::string url_;
};

std::string closedPortUrl()
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto port = socket.address().port();
    socket.close();
    return "http://127.0.0.1:" + std::to_string(port);
}

class OcspRevocationTest : public ::testing::Test {
protected:
    const TestPki& pki = TestPki::get();
    core::ManualClock clock { core::SystemClock().now() };
    std::vector<core::CaProfile> profiles = testPkiProfiles();
    TempDir dir { "certgate-ocsp" };

    std::unique_ptr<OpenSslCertificateValidator> pinnedTo(const std::string& profile,
        const std::string& url, core::RevocationMode mode = core::RevocationMode::Ocsp,
        int timeoutMs = 3000)
    {
        auto& p = profileNamed(profiles, profile);
        p.revocation.mode = mode;
        p.revocation.ocspUrl = url;
        p.revocation.ocspTimeoutMs = timeoutMs;
        return std::make_unique<OpenSslCertificateValidator>(
            profiles, clock, std::make_shared<PocoHttpFetcher>());
    }

    core::ChainResult validate(const OpenSslCertificateValidator& validator, const core::Bytes& der)
    {
        core::ValidationOptions options;
        options.at = clock.now();
        return validator.validate(validator.parse(der), options);
    }
    core::ChainResult validate(
        const OpenSslCertificateValidator& validator, const std::string& card)
    {
        return validate(validator, certificateDer(pki.card(card).signCert));
    }
};

TEST_F(OcspRevocationTest, AcceptsAGoodCardOnTheWordOfTheCasDelegatedResponder)
{
    OcspResponder responder("moica-g2");
    auto validator = pinnedTo("moica", responder.url());
    const auto result = validate(*validator, "moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.status, Status::Good);
    EXPECT_EQ(result.revocation.method, "ocsp");
    EXPECT_NE(result.revocation.detail.find("delegated"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, RefusesARevokedCardWithDateAndReason)
{
    OcspResponder responder("moica-g2");
    auto validator = pinnedTo("moica", responder.url());
    const auto result = validate(*validator, "moica-revoked");
    EXPECT_EQ(result.error, ErrorCode::CertRevoked) << result.detail;
    EXPECT_EQ(result.revocation.status, Status::Revoked);
    EXPECT_EQ(result.revocation.reason, "keyCompromise");
    EXPECT_GT(result.revocation.revokedAt, 0);
}

TEST_F(OcspRevocationTest, AcceptsAnAnswerSignedByTheCaItself)
{
    OcspResponder responder("moica-g2", pki.ca("moica-g2").cert, pki.ca("moica-g2").key);
    auto validator = pinnedTo("moica", responder.url());
    const auto result = validate(*validator, "moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_NE(result.revocation.detail.find("the CA"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, TreatsACardTheResponderDoesNotKnowAsUnknown)
{
    OcspResponder responder("moica-g2");
    auto validator = pinnedTo("moica", responder.url());
    MintSpec spec;
    spec.notBefore = timeString(clock.now() - 86400);
    spec.notAfter = timeString(clock.now() + 86400);
    spec.extensions = goodCardExtensions();
    const auto minted = mint(dir.path(), pki.ca("moica-g2").cert, pki.ca("moica-g2").key, spec);
    const auto result = validate(*validator, minted.der);
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown) << result.detail;
    EXPECT_NE(result.revocation.detail.find("does not know"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, TreatsTheAnswerAboutACardOfAnotherCaAsUnknown)
{
    OcspResponder responder("moica-g2");
    auto validator = pinnedTo("gca", responder.url());
    auto result = validate(*validator, "gca-moi");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown) << result.detail;
    EXPECT_EQ(result.revocation.status, Status::Unknown);
    // Even when GCA's profile trusts that responder, it can only say "unknown".
    profileNamed(profiles, "gca").revocation.ocspResponder = readFile(pki.ca("moica-g2").ocspCert);
    validator = pinnedTo("gca", responder.url());
    result = validate(*validator, "gca-moi");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown) << result.detail;
    EXPECT_NE(result.revocation.detail.find("does not know"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, RefusesAnAnswerSignedByAResponderTheCaDidNotAuthorise)
{
    // A real responder certificate, but GCA's, answering for MOICA.
    OcspResponder responder("moica-g2", pki.ca("gca").ocspCert, pki.ca("gca").ocspKey);
    auto validator = pinnedTo("moica", responder.url());
    const auto result = validate(*validator, "moica-revoked");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown) << result.detail;
    EXPECT_NE(result.revocation.detail.find("neither the CA nor a responder it authorised"),
        std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, RefusesAnAnswerSignedByACertificateOfTheCaWithoutTheOcspSigningUsage)
{
    MintSpec spec;
    spec.notBefore = timeString(clock.now() - 86400);
    spec.notAfter = timeString(clock.now() + 86400);
    spec.extensions = goodCardExtensions();
    spec.extensions.emplace_back("extendedKeyUsage", "clientAuth");
    const auto signer = mint(dir.path(), pki.ca("moica-g2").cert, pki.ca("moica-g2").key, spec);
    OcspResponder responder("moica-g2", signer.certPath, signer.keyPath);
    auto validator = pinnedTo("moica", responder.url());
    EXPECT_EQ(validate(*validator, "moica-wang").error, ErrorCode::RevocationUnknown);
}

TEST_F(OcspRevocationTest, AcceptsTheProfilesPinnedResponderWhateverIssuedIt)
{
    OcspResponder responder("moica-g2", pki.ca("gca").ocspCert, pki.ca("gca").ocspKey);
    profileNamed(profiles, "moica").revocation.ocspResponder = readFile(pki.ca("gca").ocspCert);
    auto validator = pinnedTo("moica", responder.url());
    EXPECT_FALSE(validate(*validator, "moica-wang").error.has_value());
    EXPECT_EQ(validate(*validator, "moica-revoked").error, ErrorCode::CertRevoked);
}

TEST_F(OcspRevocationTest, TreatsAnAnswerPastItsNextUpdateOrFromTheFutureAsUnknown)
{
    OcspResponder responder("moica-g2"); // -nmin 5: nextUpdate = thisUpdate + 5 min
    auto validator = pinnedTo("moica", responder.url());
    const auto now = clock.now();
    clock.set(now + 5 * 60 + 300 + 120); // beyond nextUpdate and the 300 s skew
    auto result = validate(*validator, "moica-wang");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("nextUpdate"), std::string::npos)
        << result.revocation.detail;
    clock.set(now - 300 - 120);
    result = validate(*validator, "moica-wang");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("in the future"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, TreatsAnAnswerOlderThanTheMaximumAgeAsUnknown)
{
    OcspResponder responder("moica-g2");
    profileNamed(profiles, "moica").revocation.ocspMaxAgeSeconds = 60;
    auto validator = pinnedTo("moica", responder.url());
    clock.set(clock.now() + 120);
    const auto result = validate(*validator, "moica-wang");
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown);
    EXPECT_NE(result.revocation.detail.find("older than"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, GivesUpQuicklyOnAClosedPort)
{
    auto validator = pinnedTo("moica", closedPortUrl());
    const auto start = SteadyClock::now();
    const auto result = validate(*validator, "moica-wang");
    EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown);
}

TEST_F(OcspRevocationTest, GivesUpOnASilentResponderWithinTheTimeout)
{
    // Listening but never answering: connect succeeds (backlog), the answer never comes.
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    auto validator
        = pinnedTo("moica", "http://127.0.0.1:" + std::to_string(silent.address().port()),
            core::RevocationMode::Ocsp, 700);
    const auto start = SteadyClock::now();
    const auto result = validate(*validator, "moica-wang");
    const auto elapsed = SteadyClock::now() - start;
    EXPECT_EQ(result.error, ErrorCode::RevocationUnknown);
    EXPECT_GE(elapsed, std::chrono::milliseconds(650));
    EXPECT_LT(elapsed, std::chrono::milliseconds(700 + 800));
    EXPECT_NE(result.revocation.detail.find("timed out"), std::string::npos)
        << result.revocation.detail;
}

TEST_F(OcspRevocationTest, FallsBackToTheCrlWhenTheResponderCannotBeReached)
{
    auto validator = pinnedTo("moica", closedPortUrl(), core::RevocationMode::OcspThenCrl);
    auto result = validate(*validator, "moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.status, Status::Good);
    EXPECT_EQ(result.revocation.method, "crl");
    result = validate(*validator, "moica-revoked");
    EXPECT_EQ(result.error, ErrorCode::CertRevoked);
    EXPECT_EQ(result.revocation.method, "crl");
}

TEST_F(OcspRevocationTest, DoesNotFallBackWhenTheResponderGaveADefiniteAnswer)
{
    OcspResponder responder("moica-g2");
    auto& moica = profileNamed(profiles, "moica");
    moica.revocation.crlFiles.clear(); // a CRL check would be inconclusive
    moica.revocation.crlFilePaths.clear();
    moica.revocation.crlUrls = { closedPortUrl() + "/moica.crl" };
    auto validator = pinnedTo("moica", responder.url(), core::RevocationMode::OcspThenCrl);
    auto result = validate(*validator, "moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.method, "ocsp");
    result = validate(*validator, "moica-revoked");
    EXPECT_EQ(result.error, ErrorCode::CertRevoked);
    EXPECT_EQ(result.revocation.method, "ocsp");
}

TEST_F(OcspRevocationTest, ByDefaultAsksTheResponderOnEveryValidation)
{
    std::optional<OcspResponder> responder(std::in_place, "moica-g2");
    auto validator = pinnedTo("moica", responder->url());
    ASSERT_EQ(validate(*validator, "moica-wang").revocation.status, Status::Good);
    responder.reset();
    const auto again = validate(*validator, "moica-wang");
    EXPECT_EQ(again.error, ErrorCode::RevocationUnknown) << again.revocation.detail;
}

TEST_F(OcspRevocationTest, ReusesAConclusiveAnswerForTheProfilesCacheTimeOnlyForThatCard)
{
    std::optional<OcspResponder> responder(std::in_place, "moica-g2");
    profileNamed(profiles, "moica").revocation.ocspCacheSeconds = 120;
    auto validator = pinnedTo("moica", responder->url());
    ASSERT_EQ(validate(*validator, "moica-wang").revocation.status, Status::Good);
    ASSERT_EQ(validate(*validator, "moica-revoked").error, ErrorCode::CertRevoked);
    responder.reset();

    clock.advance(60);
    const auto good = validate(*validator, "moica-wang");
    EXPECT_FALSE(good.error.has_value()) << good.detail;
    EXPECT_EQ(good.revocation.status, Status::Good);
    EXPECT_NE(good.revocation.detail.find("reused until"), std::string::npos)
        << good.revocation.detail;
    EXPECT_EQ(validate(*validator, "moica-revoked").error, ErrorCode::CertRevoked);
    // Another card of the same CA was never asked about.
    EXPECT_EQ(validate(*validator, "moica-chen").error, ErrorCode::RevocationUnknown);

    clock.advance(61);
    EXPECT_EQ(validate(*validator, "moica-wang").error, ErrorCode::RevocationUnknown);
}

TEST_F(OcspRevocationTest, NeverReusesAnAnswerPastItsNextUpdate)
{
    // The responder stamps nextUpdate five minutes after thisUpdate; the profile would allow
    // an hour.
    std::optional<OcspResponder> responder(std::in_place, "moica-g2");
    profileNamed(profiles, "moica").revocation.ocspCacheSeconds = 3600;
    auto validator = pinnedTo("moica", responder->url());
    ASSERT_EQ(validate(*validator, "moica-wang").revocation.status, Status::Good);
    responder.reset();
    clock.advance(4 * 60);
    EXPECT_EQ(validate(*validator, "moica-wang").revocation.status, Status::Good);
    clock.advance(2 * 60);
    EXPECT_EQ(validate(*validator, "moica-wang").error, ErrorCode::RevocationUnknown);
}

TEST_F(OcspRevocationTest, DoesNotReuseAnInconclusiveAnswer)
{
    // First the responder is down (inconclusive); once it is up, it is asked.
    Poco::Net::ServerSocket placeholder(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto port = placeholder.address().port();
    placeholder.close();
    profileNamed(profiles, "moica").revocation.ocspCacheSeconds = 600;
    auto validator = pinnedTo("moica", "http://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(validate(*validator, "moica-wang").error, ErrorCode::RevocationUnknown);
    ChildProcess responder("openssl",
        { "ocsp", "-port", std::to_string(port), "-index", pki.ca("moica-g2").index, "-CA",
            pki.ca("moica-g2").cert, "-rsigner", pki.ca("moica-g2").ocspCert, "-rkey",
            pki.ca("moica-g2").ocspKey, "-nmin", "5" });
    ASSERT_TRUE(responder.waitForOutput(R"(ACCEPT .*:(\d+) PID)")) << responder.output();
    const auto result = validate(*validator, "moica-wang");
    EXPECT_FALSE(result.error.has_value()) << result.detail;
    EXPECT_EQ(result.revocation.detail.find("reused"), std::string::npos);
}

} // namespace
} // namespace certgate::x509
