#pragma once

#include <certgate/core/AuthToken.hpp>
#include <certgate/core/HipkiToken.hpp>

#include <string_view>

namespace certgate::core {

/// Which program signed a card step (audited as `signer`).
enum class Signer { CertgateAgent, Hipki };
const char* toString(Signer signer);

/// A card step's token in either format, told apart by its `format` member.
struct CardToken {
    Signer signer = Signer::CertgateAgent;
    AuthToken agent; ///< when signer is CertgateAgent
    HipkiToken hipki; ///< when signer is Hipki
};

/// Strict parse of either format; MALFORMED_TOKEN for anything else.
CardToken parseCardToken(std::string_view json);

} // namespace certgate::core
