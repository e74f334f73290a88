#include "SignatureVerifier.hpp"

#include "OpenSslError.hpp"
#include "OpenSslHandles.hpp"

#include <certgate/core/Error.hpp>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <string>
#include <vector>

namespace certgate::x509 {
namespace {

struct Scheme {
    std::string_view name;
    int keyType;
    const char* curve; ///< group name for ECDSA, null for RSA
    const EVP_MD* (*digest)();
    int padding; ///< RSA padding, 0 for ECDSA
    std::size_t rawSignatureBytes; ///< R||S length for ECDSA
};

const Scheme* findScheme(std::string_view algorithm)
{
    static const Scheme schemes[] = {
        { "RS256", EVP_PKEY_RSA, nullptr, EVP_sha256, RSA_PKCS1_PADDING, 0 },
        // HiPKI's PKCS1 with hashAlgorithm SHA384 / SHA512 (never offered to agent tokens).
        { "RS384", EVP_PKEY_RSA, nullptr, EVP_sha384, RSA_PKCS1_PADDING, 0 },
        { "RS512", EVP_PKEY_RSA, nullptr, EVP_sha512, RSA_PKCS1_PADDING, 0 },
        { "PS256", EVP_PKEY_RSA, nullptr, EVP_sha256, RSA_PKCS1_PSS_PADDING, 0 },
        { "ES256", EVP_PKEY_EC, "prime256v1", EVP_sha256, 0, 64 },
        { "ES384", EVP_PKEY_EC, "secp384r1", EVP_sha384, 0, 96 },
    };
    for (const auto& scheme : schemes)
        if (scheme.name == algorithm)
            return &scheme;
    return nullptr;
}

core::Error invalid(const std::string& what)
{
    return core::Error(core::ErrorCode::SignatureInvalid, withOpenSslErrors(what));
}

std::string groupName(EVP_PKEY* key)
{
    char name[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name, sizeof name, &length) != 1)
        return {};
    return std::string(name, length);
}

// PKCS#11 CKM_ECDSA gives r and s as two big-endian halves of equal size; OpenSSL
// verifies the DER SEQUENCE { r INTEGER, s INTEGER } of RFC 3279.
std::vector<std::uint8_t> rawToDer(std::span<const std::uint8_t> raw)
{
    const std::size_t half = raw.size() / 2;
    ossl::Bignum r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
    ossl::Bignum s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
    ossl::EcdsaSig sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        throw invalid("cannot build the ECDSA signature");
    // ECDSA_SIG_set0 took r and s.
    (void)r.release();
    (void)s.release();
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0)
        throw invalid("cannot encode the ECDSA signature");
    ossl::Memory owner(der);
    return { der, der + length };
}

} // namespace

void verifyChallengeSignature(EVP_PKEY* key, std::string_view algorithm,
    std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature)
{
    ERR_clear_error();
    const Scheme* scheme = findScheme(algorithm);
    if (!scheme)
        throw core::Error(
            core::ErrorCode::SignatureInvalid, "unknown algorithm " + std::string(algorithm));
    const int keyType = EVP_PKEY_get_base_id(key);
    if (keyType != scheme->keyType)
        throw core::Error(core::ErrorCode::SignatureInvalid,
            std::string(algorithm) + " does not fit a " + EVP_PKEY_get0_type_name(key) + " key");
    if (keyType == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 2048)
        throw core::Error(core::ErrorCode::CertPolicy, "RSA key below 2048 bits");

    std::vector<std::uint8_t> encoded;
    std::span<const std::uint8_t> toVerify = signature;
    if (scheme->curve) {
        const auto curve = groupName(key);
        if (curve != scheme->curve)
            throw core::Error(core::ErrorCode::SignatureInvalid,
                std::string(algorithm) + " needs " + scheme->curve + ", the key is on "
                    + (curve.empty() ? std::string("an unknown curve") : curve));
        if (signature.size() != scheme->rawSignatureBytes)
            throw core::Error(core::ErrorCode::SignatureInvalid,
                std::string(algorithm) + " signature must be "
                    + std::to_string(scheme->rawSignatureBytes) + " bytes of R||S, got "
                    + std::to_string(signature.size()));
        encoded = rawToDer(signature);
        toVerify = encoded;
    } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key))) {
        throw core::Error(core::ErrorCode::SignatureInvalid,
            "RSA signature must be " + std::to_string(EVP_PKEY_get_size(key)) + " bytes, got "
                + std::to_string(signature.size()));
    }

    ossl::EvpMdCtx context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* keyContext = nullptr; // owned by context
    if (!context
        || EVP_DigestVerifyInit(context.get(), &keyContext, scheme->digest(), nullptr, key) != 1)
        throw invalid("cannot set up verification");
    if (scheme->padding != 0 && EVP_PKEY_CTX_set_rsa_padding(keyContext, scheme->padding) != 1)
        throw invalid("cannot set RSA padding");
    if (scheme->padding == RSA_PKCS1_PSS_PADDING
        && (EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, scheme->digest()) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) != 1))
        throw invalid("cannot set PSS parameters");
    const int result = EVP_DigestVerify(
        context.get(), toVerify.data(), toVerify.size(), data.data(), data.size());
    if (result != 1)
        throw invalid(std::string(algorithm) + " signature does not verify");
    ERR_clear_error();
}

} // namespace certgate::x509
