#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace certgate::x509 {

/// The challenge signatures of SPEC §5 (RS256, PS256, ES256, ES384; RS384 and RS512 for
/// HiPKI's PKCS1) with `key`. ECDSA arrives
/// as raw R||S from PKCS#11 and is re-encoded as DER for OpenSSL. Throws
/// core::Error(SignatureInvalid) for a failed or ill-fitting signature, and
/// core::Error(CertPolicy) for an RSA key below 2048 bits.
void verifyChallengeSignature(EVP_PKEY* key, std::string_view algorithm,
    std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature);

} // namespace certgate::x509
