#include <certgate/agent/SignatureFormat.hpp>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>

namespace certgate::agent {
namespace {

struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

} // namespace

Bytes signedData(std::string_view origin, std::string_view nonce)
{
    Bytes out(2 * SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(), out.data());
    SHA256(reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(),
        out.data() + SHA256_DIGEST_LENGTH);
    return out;
}

Bytes ecdsaDerToRaw(const Bytes& der, std::size_t fieldSize)
{
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, SigFree> sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != der.data() + der.size())
        throw std::invalid_argument("ECDSA signature is not valid DER");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    Bytes raw(2 * fieldSize);
    if (BN_bn2binpad(r, raw.data(), static_cast<int>(fieldSize)) < 0
        || BN_bn2binpad(s, raw.data() + fieldSize, static_cast<int>(fieldSize)) < 0)
        throw std::invalid_argument("ECDSA signature component longer than the field");
    return raw;
}

Bytes ecdsaRawToDer(const Bytes& raw)
{
    if (raw.empty() || raw.size() % 2 != 0)
        throw std::invalid_argument("raw ECDSA signature must be R||S of equal halves");
    auto half = static_cast<int>(raw.size() / 2);
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
    BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        throw std::invalid_argument("cannot build ECDSA signature");
    }
    unsigned char* der = nullptr;
    int size = i2d_ECDSA_SIG(sig.get(), &der);
    if (size <= 0)
        throw std::invalid_argument("cannot encode ECDSA signature");
    Bytes out(der, der + size);
    OPENSSL_free(der);
    return out;
}

} // namespace certgate::agent
