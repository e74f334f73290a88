#pragma once

#include <certgate/core/CaProfile.hpp>
#include <certgate/core/ErrorCode.hpp>
#include <certgate/x509/HttpFetcher.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Helpers shared by the x509 unit and integration tests: CA profiles read straight from the
// test PKI's and production JSON (no profile loader in the x509 tests), signatures made with
// the cards' private key files, and certificates minted on the fly from a test CA's key.
namespace certgate::x509::test {

/// One ca-profiles JSON file as the loader would hand it over: paths relative to the file,
/// certificate and CRL files read into memory.
core::CaProfile loadProfile(const std::string& jsonPath);
/// Every *.json in the generated test PKI's ca-profiles folder.
std::vector<core::CaProfile> testPkiProfiles();
/// Every *.json in the repository's ca-profiles/ (real GPKI anchors).
std::vector<core::CaProfile> productionProfiles();
core::CaProfile& profileNamed(std::vector<core::CaProfile>& profiles, const std::string& id);

core::Bytes readFile(const std::string& path);
/// Manifest fields TestPki does not carry (cards.json): cardField("moica-wang", "subject"),
/// caField("moica-g2", "subject"), ...
std::string cardField(const std::string& card, const std::string& field);
std::string caField(const std::string& ca, const std::string& field);
/// DER of the (first) certificate in a PEM or DER file.
core::Bytes certificateDer(const std::string& path);
std::string realCaCert(const std::string& name); ///< ca-profiles/certs/<name>.pem

template <auto Free> struct OpenSslFree {
    template <class T> void operator()(T* p) const { Free(p); }
};
using PrivateKey = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, OpenSslFree<X509_free>>;
/// A PEM private key file; a PEM or DER certificate file (its first certificate).
PrivateKey readPrivateKey(const std::string& path);
Certificate readCertificate(const std::string& path);

/// The code of the core::Error `call` throws; a test failure when it throws none.
core::ErrorCode refusal(const std::function<void()>& call);

/// Signs as a card would: RS256 / PS256 / ES256 / ES384 over `data` with a PEM private key;
/// ECDSA comes back as raw R||S, as PKCS#11 gives it.
core::Bytes sign(
    const std::string& keyPath, std::string_view algorithm, std::span<const std::uint8_t> data);

/// The 64 bytes a card signs for (origin, nonce): SHA256(origin) || SHA256(nonce).
core::Bytes challenge(std::string_view origin, std::string_view nonce);

std::int64_t epochOf(const std::string& iso8601); ///< "2026-11-26T17:19:38Z"
/// thisUpdate of a CRL file: tests freeze their clock an hour after it, when every good test
/// card is valid and every CRL fresh.
std::int64_t crlThisUpdate(const std::string& crlPath);
std::int64_t crlNextUpdate(const std::string& crlPath);
std::int64_t frozenNow();

/// A certificate issued on the spot by a CA of the test PKI (or self-signed when issuerCert
/// is empty). `extensions` are openssl.cnf-style lines "name = value", applied in order with
/// X509V3_EXT_nconf so subjectKeyIdentifier/authorityKeyIdentifier work as in openssl ca.
struct MintSpec {
    std::string subject = "/C=TW/CN=certgate x509 test";
    std::string keyType = "rsa:2048"; ///< rsa:BITS or ec:CURVE (P-256, P-384, P-521)
    std::string notBefore; ///< YYYYMMDDHHMMSSZ; empty = frozenNow() - 1 day
    std::string notAfter; ///< empty = frozenNow() + 365 days
    std::string serialHex = "0DEC0DE1";
    std::vector<std::pair<std::string, std::string>> extensions;
};
struct Minted {
    core::Bytes der;
    std::string certPath; ///< PEM, in `dir`
    std::string keyPath; ///< PEM, in `dir`
};
Minted mint(const std::string& dir, const std::string& issuerCert, const std::string& issuerKey,
    const MintSpec& spec);
/// The extensions of a good citizen signing certificate (keyUsage digitalSignature, policy
/// level 3, key identifiers), to be changed one at a time.
std::vector<std::pair<std::string, std::string>> goodCardExtensions();
std::string timeString(std::int64_t epochSeconds); ///< YYYYMMDDHHMMSSZ

/// Scripted HttpFetcher: answers by URL from a map, records every request.
class FakeFetcher final : public HttpFetcher {
public:
    HttpResponse get(const std::string& url, int timeoutMs) const override;
    HttpResponse post(const std::string& url, std::span<const std::uint8_t> body,
        const std::string& contentType, int timeoutMs) const override;

    void serve(const std::string& url, core::Bytes body, int status = 200);
    std::vector<std::string> requests() const;
    int count(const std::string& url) const;

private:
    HttpResponse answer(const std::string& url) const;
    mutable std::mutex mutex_;
    std::map<std::string, HttpResponse> answers_;
    mutable std::vector<std::string> requests_;
};

} // namespace certgate::x509::test
