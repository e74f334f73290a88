#pragma once

#include <certgate/agent/CardService.hpp>

#include <iosfwd>
#include <string>

namespace certgate::agent {

/// `certgate-agent list`: readers, tokens, flags and each token's certificates, as a table or as
/// {"tokens":[...with "certificates"...]} with --json. Returns the exit code (0, or 1 with the
/// error JSON on `out`).
int runList(CardService& cards, bool json, std::ostream& out);

/// `certgate-agent sign`: prints the SPEC §5 token and returns 0, or the error JSON and 1.
/// The origin is what the support person typed; the CLI does not apply the Origin allow-list
/// (the person at the keyboard types the PIN), but it does validate origin and nonce.
int runSign(CardService& cards, const std::string& origin, const std::string& nonce,
    const std::string& token, const std::string& keyId, const SecretBuffer& pin, std::ostream& out);

/// Reads one line as the PIN: from the terminal without echo when stdin is a TTY, else from
/// stdin as is (tests, scripts). Never from the command line.
SecretBuffer readPin(std::istream& in, std::ostream& prompt);

} // namespace certgate::agent
