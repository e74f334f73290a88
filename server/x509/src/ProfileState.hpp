#pragma once

#include "OpenSslHandles.hpp"

#include <certgate/core/CaProfile.hpp>

#include <string>
#include <vector>

namespace certgate::x509 {

struct LoadedCrl {
    std::string source; ///< "file <path>", for details
    ossl::X509Crl crl;
};

/// One CA profile with its certificates parsed once at start and shared, read-only, by every
/// validation: OpenSSL's stores and stacks are safe for concurrent readers.
struct ProfileState {
    core::CaProfile profile; ///< key identifiers normalised to uppercase hex
    ossl::X509Store anchors;
    ossl::X509Stack intermediates;
    unsigned long verifyFlags = 0;
    std::vector<LoadedCrl> crlFiles;
    ossl::X509Ptr ocspResponder; ///< pinned, or null
};

} // namespace certgate::x509
