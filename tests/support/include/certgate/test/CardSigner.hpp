#pragma once

#include <certgate/test/TestPki.hpp>

#include <string>

namespace certgate::test {

/// Makes the SPEC §5 token a card would make, from the card's key FILE (the test PKI keeps
/// every card's keys beside its SoftHSM2 token). For server tests that exercise the server's
/// judgement and need no PIN; tests of the real path go through certgate-agent instead.
/// RS256 for RSA keys, ES256 (raw R||S) for P-256.
std::string signToken(const TestCard& card, const std::string& origin, const std::string& nonce);

/// Same, but signing with another card's key while presenting `card`'s certificate.
std::string signTokenWithKeyOf(const TestCard& card, const TestCard& keyOwner,
    const std::string& origin, const std::string& nonce);

} // namespace certgate::test
