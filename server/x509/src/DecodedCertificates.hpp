#pragma once

#include "OpenSslHandles.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

namespace certgate::x509 {

/// Recently decoded certificates, by their exact DER. OpenSSL 3.0 spends most of a login in
/// d2i_X509 (the provider decoders it runs for the public key) and in caching the extensions;
/// a token is parsed, validated and its signature verified, and a card logs in again and
/// again, so each DER is decoded once while it stays among the last `capacity` seen.
/// Only certificates that passed decodeCertificate's checks are kept. Thread-safe; the
/// certificates handed out are shared, read-only.
class DecodedCertificates {
public:
    DecodedCertificates(std::size_t capacity, std::size_t maxBytes);

    /// Throws core::Error(CertMalformed) as decodeCertificate does.
    ossl::X509Ptr get(std::span<const std::uint8_t> der) const;

private:
    std::size_t capacity_;
    std::size_t maxBytes_;
    mutable std::mutex mutex_;
    mutable std::unordered_map<std::string, ossl::X509Ptr> entries_;
    mutable std::deque<std::string> order_; ///< oldest first
};

} // namespace certgate::x509
