#include <certgate/test/CardSigner.hpp>

#include <Poco/JSON/Object.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace certgate::test {

namespace {

template <typename T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::string base64(const std::vector<unsigned char>& bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    auto n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::vector<unsigned char> certificateDer(const std::string& pemFile)
{
    auto pem = readTextFile(pemFile);
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        throw std::runtime_error("cannot read certificate " + pemFile);
    int length = i2d_X509(cert.get(), nullptr);
    std::vector<unsigned char> der(static_cast<std::size_t>(length));
    auto* p = der.data();
    i2d_X509(cert.get(), &p);
    return der;
}

std::string makeToken(const TestCard& card, const TestCard& keyOwner, const std::string& origin,
    const std::string& nonce)
{
    auto pem = readTextFile(keyOwner.signKey);
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        throw std::runtime_error("cannot read key " + keyOwner.signKey);
    std::vector<unsigned char> data(2 * SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(), data.data());
    SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(),
        data.data() + SHA256_DIGEST_LENGTH);
    bool ec = EVP_PKEY_base_id(key.get()) == EVP_PKEY_EC;
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1
        || EVP_DigestSign(ctx.get(), nullptr, &length, data.data(), data.size()) != 1)
        throw std::runtime_error("EVP_DigestSign failed");
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, data.data(), data.size()) != 1)
        throw std::runtime_error("EVP_DigestSign failed");
    signature.resize(length);
    if (ec) {
        // PKCS#11 and the agent send ECDSA as raw R||S.
        const unsigned char* p = signature.data();
        EcSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
        std::vector<unsigned char> raw(64);
        BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + 32, 32);
        signature = raw;
    }
    Poco::JSON::Object token;
    token.set("format", "certgate-auth:1");
    token.set("certificate", base64(certificateDer(card.signCert)));
    token.set("algorithm", ec ? "ES256" : "RS256");
    token.set("signature", base64(signature));
    token.set("agentVersion", "test");
    std::ostringstream out;
    token.stringify(out);
    return out.str();
}

} // namespace

std::string signToken(const TestCard& card, const std::string& origin, const std::string& nonce)
{
    return makeToken(card, card, origin, nonce);
}

std::string signTokenWithKeyOf(const TestCard& card, const TestCard& keyOwner,
    const std::string& origin, const std::string& nonce)
{
    return makeToken(card, keyOwner, origin, nonce);
}

} // namespace certgate::test
