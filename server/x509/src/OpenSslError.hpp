#pragma once

#include <string>

namespace certgate::x509 {

/// Drains this thread's OpenSSL error queue into one English line ("" when empty), so that
/// a failure's detail says what OpenSSL said and the next operation starts clean.
std::string takeOpenSslErrors();

/// `what` followed by OpenSSL's reasons, when there are any.
std::string withOpenSslErrors(const std::string& what);

} // namespace certgate::x509
