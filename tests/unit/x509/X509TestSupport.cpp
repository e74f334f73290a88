#include "X509TestSupport.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <openssl/conf.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace certgate::x509::test {
namespace {

namespace fs = std::filesystem;
using certgate::test::readBinaryFile;
using certgate::test::readTextFile;
using certgate::test::TestPki;

template <auto Free> struct Deleter {
    template <class T> void operator()(T* p) const noexcept { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using Sig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error("x509 test support: " + what);
}

std::string str(
    const Poco::JSON::Object::Ptr& o, const std::string& key, const std::string& fallback = {})
{
    if (!o || !o->has(key) || o->isNull(key))
        return fallback;
    return o->getValue<std::string>(key);
}

std::vector<std::string> strings(const Poco::JSON::Object::Ptr& o, const std::string& key)
{
    std::vector<std::string> out;
    if (!o || !o->has(key) || o->isNull(key))
        return out;
    auto array = o->getArray(key);
    for (std::size_t i = 0; i < array->size(); ++i)
        out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

std::string resolve(const fs::path& base, const std::string& path)
{
    fs::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

Key readKey(const std::string& path)
{
    auto text = readTextFile(path);
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        fail("cannot read private key " + path);
    return key;
}

Cert readCert(const std::string& path)
{
    auto der = certificateDer(path);
    const unsigned char* p = der.data();
    Cert cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert)
        fail("cannot read certificate " + path);
    return cert;
}

Crl readCrl(const std::string& path)
{
    auto bytes = readBinaryFile(path);
    Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    Crl crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) {
        const unsigned char* p = bytes.data();
        crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    }
    if (!crl)
        fail("cannot read CRL " + path);
    return crl;
}

std::int64_t epochOfTime(const ASN1_TIME* time)
{
    std::tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        fail("unreadable time");
    return static_cast<std::int64_t>(timegm(&tm));
}

Key generate(const std::string& spec)
{
    const auto colon = spec.find(':');
    const auto type = spec.substr(0, colon);
    const auto param = spec.substr(colon + 1);
    EVP_PKEY* key = nullptr;
    if (type == "rsa")
        key = EVP_PKEY_Q_keygen(
            nullptr, nullptr, "RSA", static_cast<std::size_t>(std::stoul(param)));
    else if (type == "ec")
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param.c_str());
    if (!key)
        fail("cannot generate key " + spec);
    return Key(key);
}

void setName(X509_NAME* name, const std::string& slashed)
{
    std::size_t at = 1;
    while (at < slashed.size()) {
        auto next = slashed.find('/', at);
        auto part = slashed.substr(at, next == std::string::npos ? std::string::npos : next - at);
        auto eq = part.find('=');
        auto field = part.substr(0, eq);
        auto value = part.substr(eq + 1);
        if (X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                reinterpret_cast<const unsigned char*>(value.data()),
                static_cast<int>(value.size()), -1, 0)
            != 1)
            fail("bad name part " + part);
        if (next == std::string::npos)
            break;
        at = next + 1;
    }
}

void writePem(const std::string& path, X509* cert, EVP_PKEY* key)
{
    Bio bio(BIO_new_file(path.c_str(), "w"));
    if (!bio || (cert && PEM_write_bio_X509(bio.get(), cert) != 1)
        || (key
            && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                != 1))
        fail("cannot write " + path);
}

} // namespace

core::Bytes readFile(const std::string& path)
{
    return readBinaryFile(path);
}

namespace {
Poco::JSON::Object::Ptr manifest()
{
    static const Poco::JSON::Object::Ptr root = [] {
        Poco::JSON::Parser parser;
        return parser.parse(certgate::test::readManifest(TestPki::get().dir()))
            .extract<Poco::JSON::Object::Ptr>();
    }();
    return root;
}
} // namespace

std::string cardField(const std::string& card, const std::string& field)
{
    return str(manifest()->getObject("cards")->getObject(card), field);
}

std::string caField(const std::string& ca, const std::string& field)
{
    return str(manifest()->getObject("cas")->getObject(ca), field);
}

core::Bytes certificateDer(const std::string& path)
{
    auto bytes = readBinaryFile(path);
    Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        return bytes; // already DER
    unsigned char* out = nullptr;
    const int length = i2d_X509(cert.get(), &out);
    core::Bytes der(out, out + length);
    OPENSSL_free(out);
    return der;
}

std::string realCaCert(const std::string& name)
{
    return certgate::test::sourceDir() + "/ca-profiles/certs/" + name + ".pem";
}

core::CaProfile loadProfile(const std::string& jsonPath)
{
    Poco::JSON::Parser parser;
    auto root = parser.parse(readTextFile(jsonPath)).extract<Poco::JSON::Object::Ptr>();
    const auto base = fs::path(jsonPath).parent_path();
    core::CaProfile profile;
    profile.id = str(root, "id");
    profile.plugin = str(root, "plugin");
    profile.kind = str(root, "kind") == "organisation" ? plugin::CardKind::Organisation
                                                       : plugin::CardKind::Citizen;
    profile.test = root->has("test") && root->getValue<bool>("test");
    profile.sourceFile = jsonPath;
    for (const auto& path : strings(root, "trustAnchors")) {
        profile.trustAnchorPaths.push_back(resolve(base, path));
        profile.trustAnchors.push_back(readBinaryFile(profile.trustAnchorPaths.back()));
    }
    for (const auto& path : strings(root, "intermediates")) {
        profile.intermediatePaths.push_back(resolve(base, path));
        profile.intermediates.push_back(readBinaryFile(profile.intermediatePaths.back()));
    }
    profile.issuerKeyIds = strings(root, "issuerKeyIds");
    profile.deniedIssuerKeyIds = strings(root, "deniedIssuerKeyIds");
    profile.policies = strings(root, "policies");
    auto revocation = root->getObject("revocation");
    if (revocation) {
        auto& r = profile.revocation;
        r.mode = core::revocationModeFromString(str(revocation, "mode", "ocsp-then-crl")).value();
        r.failOpen = revocation->has("failOpen") && revocation->getValue<bool>("failOpen");
        if (auto ocsp = revocation->getObject("ocsp")) {
            r.ocspUrl = str(ocsp, "url");
            if (auto responder = str(ocsp, "responder"); !responder.empty())
                r.ocspResponder = readBinaryFile(resolve(base, responder));
            if (ocsp->has("timeoutMs"))
                r.ocspTimeoutMs = ocsp->getValue<int>("timeoutMs");
            if (ocsp->has("maxAgeSeconds"))
                r.ocspMaxAgeSeconds = ocsp->getValue<int>("maxAgeSeconds");
            if (ocsp->has("clockSkewSeconds"))
                r.clockSkewSeconds = ocsp->getValue<int>("clockSkewSeconds");
        }
        if (auto crl = revocation->getObject("crl")) {
            r.crlUrls = strings(crl, "urls");
            for (const auto& path : strings(crl, "files")) {
                r.crlFilePaths.push_back(resolve(base, path));
                r.crlFiles.push_back(readBinaryFile(r.crlFilePaths.back()));
            }
            if (crl->has("timeoutMs"))
                r.crlTimeoutMs = crl->getValue<int>("timeoutMs");
        }
    }
    return profile;
}

namespace {
std::vector<core::CaProfile> profilesIn(const std::string& dir)
{
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".json")
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    std::vector<core::CaProfile> out;
    for (const auto& file : files)
        out.push_back(loadProfile(file));
    return out;
}
} // namespace

std::vector<core::CaProfile> testPkiProfiles()
{
    return profilesIn(TestPki::get().caProfilesDir());
}

std::vector<core::CaProfile> productionProfiles()
{
    return profilesIn(certgate::test::sourceDir() + "/ca-profiles");
}

core::CaProfile& profileNamed(std::vector<core::CaProfile>& profiles, const std::string& id)
{
    for (auto& profile : profiles)
        if (profile.id == id)
            return profile;
    fail("no profile " + id);
}

core::Bytes sign(
    const std::string& keyPath, std::string_view algorithm, std::span<const std::uint8_t> data)
{
    auto key = readKey(keyPath);
    const EVP_MD* md = algorithm == "ES384" ? EVP_sha384() : EVP_sha256();
    MdCtx ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1)
        fail("DigestSignInit");
    if (algorithm == "PS256"
        && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        fail("PSS setup");
    std::size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, data.data(), data.size()) != 1)
        fail("DigestSign size");
    core::Bytes signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, data.data(), data.size()) != 1)
        fail("DigestSign");
    signature.resize(length);
    if (algorithm != "ES256" && algorithm != "ES384")
        return signature;
    const std::size_t half = algorithm == "ES256" ? 32 : 48;
    const unsigned char* p = signature.data();
    Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    core::Bytes raw(half * 2);
    BN_bn2binpad(r, raw.data(), static_cast<int>(half));
    BN_bn2binpad(s, raw.data() + half, static_cast<int>(half));
    return raw;
}

core::Bytes challenge(std::string_view origin, std::string_view nonce)
{
    core::Bytes out(64);
    unsigned int length = 0;
    EVP_Digest(origin.data(), origin.size(), out.data(), &length, EVP_sha256(), nullptr);
    EVP_Digest(nonce.data(), nonce.size(), out.data() + 32, &length, EVP_sha256(), nullptr);
    return out;
}

std::int64_t epochOf(const std::string& iso)
{
    std::tm tm {};
    if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm))
        fail("bad time " + iso);
    return static_cast<std::int64_t>(timegm(&tm));
}

std::int64_t crlThisUpdate(const std::string& path)
{
    return epochOfTime(X509_CRL_get0_lastUpdate(readCrl(path).get()));
}
std::int64_t crlNextUpdate(const std::string& path)
{
    return epochOfTime(X509_CRL_get0_nextUpdate(readCrl(path).get()));
}

std::int64_t frozenNow()
{
    static const std::int64_t now = crlThisUpdate(TestPki::get().ca("moica-g2").crl) + 3600;
    return now;
}

std::string timeString(std::int64_t t)
{
    const auto seconds = static_cast<time_t>(t);
    std::tm tm {};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buffer;
}

std::vector<std::pair<std::string, std::string>> goodCardExtensions()
{
    return {
        { "basicConstraints", "critical, CA:FALSE" },
        { "keyUsage", "critical, digitalSignature, nonRepudiation" },
        { "subjectKeyIdentifier", "hash" },
        { "authorityKeyIdentifier", "keyid:always" },
        { "certificatePolicies", "2.16.886.101.0.3.3" },
    };
}

PrivateKey readPrivateKey(const std::string& path)
{
    return PrivateKey(readKey(path).release());
}

Certificate readCertificate(const std::string& path)
{
    return Certificate(readCert(path).release());
}

core::ErrorCode refusal(const std::function<void()>& call)
{
    try {
        call();
    } catch (const core::Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "accepted where a refusal was expected";
    return core::ErrorCode::InternalError;
}

Minted mint(const std::string& dir, const std::string& issuerCertPath,
    const std::string& issuerKeyPath, const MintSpec& spec)
{
    auto key = generate(spec.keyType);
    Cert cert(X509_new());
    X509_set_version(cert.get(), 2);
    BIGNUM* serialBn = nullptr;
    BN_hex2bn(&serialBn, spec.serialHex.c_str());
    Bignum serialOwner(serialBn);
    BN_to_ASN1_INTEGER(serialBn, X509_get_serialNumber(cert.get()));
    setName(X509_get_subject_name(cert.get()), spec.subject);
    Cert issuer = issuerCertPath.empty() ? nullptr : readCert(issuerCertPath);
    Key issuerKey = issuerKeyPath.empty() ? nullptr : readKey(issuerKeyPath);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer ? issuer.get() : cert.get()));
    const auto notBefore
        = spec.notBefore.empty() ? timeString(frozenNow() - 86400) : spec.notBefore;
    const auto notAfter
        = spec.notAfter.empty() ? timeString(frozenNow() + 365 * 86400) : spec.notAfter;
    if (ASN1_TIME_set_string_X509(X509_getm_notBefore(cert.get()), notBefore.c_str()) != 1
        || ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), notAfter.c_str()) != 1)
        fail("bad validity " + notBefore + " .. " + notAfter);
    X509_set_pubkey(cert.get(), key.get());
    // Some extensions (certificatePolicies) insist on a configuration database, even empty.
    std::unique_ptr<CONF, Deleter<NCONF_free>> conf(NCONF_new(nullptr));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer.get() : cert.get(), cert.get(), nullptr, nullptr, 0);
    X509V3_set_nconf(&ctx, conf.get());
    for (const auto& [name, value] : spec.extensions) {
        X509_EXTENSION* ext = X509V3_EXT_nconf(conf.get(), &ctx, name.c_str(), value.c_str());
        if (!ext)
            fail("bad extension " + name + " = " + value);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), issuerKey ? issuerKey.get() : key.get(), EVP_sha256()) <= 0)
        fail("cannot sign");
    Minted out;
    out.certPath = dir + "/" + spec.serialHex + ".pem";
    out.keyPath = dir + "/" + spec.serialHex + ".key";
    writePem(out.certPath, cert.get(), nullptr);
    writePem(out.keyPath, nullptr, key.get());
    unsigned char* der = nullptr;
    const int length = i2d_X509(cert.get(), &der);
    out.der.assign(der, der + length);
    OPENSSL_free(der);
    return out;
}

HttpResponse FakeFetcher::get(const std::string& url, int) const
{
    return answer(url);
}

HttpResponse FakeFetcher::post(
    const std::string& url, std::span<const std::uint8_t>, const std::string&, int) const
{
    return answer(url);
}

HttpResponse FakeFetcher::answer(const std::string& url) const
{
    std::lock_guard lock(mutex_);
    requests_.push_back(url);
    auto it = answers_.find(url);
    if (it == answers_.end())
        throw HttpError("connection refused (fake): " + url);
    return it->second;
}

void FakeFetcher::serve(const std::string& url, core::Bytes body, int status)
{
    std::lock_guard lock(mutex_);
    answers_[url] = HttpResponse { status, "application/pkix-crl", std::move(body) };
}

std::vector<std::string> FakeFetcher::requests() const
{
    std::lock_guard lock(mutex_);
    return requests_;
}

int FakeFetcher::count(const std::string& url) const
{
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(requests_.begin(), requests_.end(), url));
}

} // namespace certgate::x509::test
