#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <span>
#include <vector>

namespace certgate::x509 {

/// HiPKI's PKCS7 (docs/token-hipki.md) through OpenSSL's CMS API. The DER certificate of the
/// one signer, found among the certificates the CMS carries by its signer identifier. Throws
/// core::Error(MalformedToken) for anything but one DER SignedData with exactly one signer
/// whose certificate it carries.
std::vector<std::uint8_t> cmsSignerCertificate(std::span<const std::uint8_t> cms);

/// CMS_verify with `signer` as the only certificate (CMS_NOINTERN: nothing the CMS carries is
/// used; CMS_NO_SIGNER_CERT_VERIFY: the chain was judged by the validator), after checking the
/// content type (id-data), the digest (SHA-256/384/512) and, when signed attributes are
/// present, one content type (id-data) and one message digest among them. The content signed,
/// encapsulated or detached, must be `content` byte for byte. Throws
/// core::Error(SignatureInvalid), or core::Error(MalformedToken) as cmsSignerCertificate.
void verifyCmsSignature(
    X509* signer, std::span<const std::uint8_t> cms, std::span<const std::uint8_t> content);

} // namespace certgate::x509
