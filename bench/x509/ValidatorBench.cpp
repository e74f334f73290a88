#include "X509TestSupport.hpp"

#include <certgate/core/Clock.hpp>
#include <certgate/test/TestPki.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace {

using certgate::test::TestPki;
using namespace certgate;
using namespace certgate::x509::test;

const std::string kOrigin = "https://portal.example.gov.tw";
const std::string kNonce = "q3Zk0yWQm4l8Vq3o4H7mYv1l9p2sX6cJ0bN5tA8eR1U=";

// What the server does for every login token of a citizen card after the nonce: parse the
// certificate, validate it (path by key id, validity, usage, policy, revocation from the
// cached CRL), verify the challenge signature. `cacheEntries` 0: the certificate is decoded
// afresh each time, as for a card the server has not seen recently.
void validateMoicaToken(benchmark::State& state, std::size_t cacheEntries)
{
    const auto& card = TestPki::get().card("moica-wang");
    core::ManualClock clock(frozenNow());
    auto profiles = testPkiProfiles();
    profileNamed(profiles, "moica").revocation.mode = core::RevocationMode::Crl;
    x509::OpenSslCertificateValidator validator(
        profiles, clock, std::make_shared<FakeFetcher>(), cacheEntries);
    const auto der = certificateDer(card.signCert);
    const auto data = challenge(kOrigin, kNonce);
    const auto signature = sign(card.signKey, "RS256", data);
    core::ValidationOptions options;
    options.at = clock.now();
    // Warm the CRL cache, as a running server has.
    if (validator.validate(validator.parse(der), options).error)
        throw std::runtime_error("moica-wang does not validate");

    for (auto _ : state) {
        auto view = validator.parse(der);
        auto result = validator.validate(view, options);
        if (result.error)
            state.SkipWithError("validation failed");
        validator.verifySignature(view, "RS256", data, signature);
        benchmark::DoNotOptimize(result);
    }
}

void BM_ValidateMoicaToken(benchmark::State& state)
{
    validateMoicaToken(state, 1024);
}
BENCHMARK(BM_ValidateMoicaToken);

void BM_ValidateMoicaTokenFirstSight(benchmark::State& state)
{
    validateMoicaToken(state, 0);
}
BENCHMARK(BM_ValidateMoicaTokenFirstSight);

// The floor: one RSA-2048 PKCS#1 v1.5 SHA-256 verification with the same key and signature.
void BM_OpenSslRsa2048Verify(benchmark::State& state)
{
    const auto& card = TestPki::get().card("moica-wang");
    const auto der = certificateDer(card.signCert);
    const unsigned char* p = der.data();
    std::unique_ptr<X509, decltype(&X509_free)> certificate(
        d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
    EVP_PKEY* key = X509_get0_pubkey(certificate.get());
    const auto data = challenge(kOrigin, kNonce);
    const auto signature = sign(card.signKey, "RS256", data);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
        EVP_MD_CTX_new(), EVP_MD_CTX_free);

    for (auto _ : state) {
        EVP_PKEY_CTX* keyContext = nullptr;
        EVP_DigestVerifyInit(context.get(), &keyContext, EVP_sha256(), nullptr, key);
        EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING);
        const int ok = EVP_DigestVerify(
            context.get(), signature.data(), signature.size(), data.data(), data.size());
        if (ok != 1)
            state.SkipWithError("signature does not verify");
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_OpenSslRsa2048Verify);

} // namespace

BENCHMARK_MAIN();
