#pragma once

#include <string>
#include <vector>

namespace certgate::test::hipki {

/// The double's /popupForm page (hipki-protocol.md §1): it posts {"func":"getTbs"} to its
/// opener, takes ONE command from a page whose host is on `allowedDomains` (else answers
/// ret_code 0x76000031), runs it against the double's own /sign or /pkcs11info, posts the raw
/// answer back to the opener's origin and closes itself, also on error.
std::string popupFormPage(const std::vector<std::string>& allowedDomains);

} // namespace certgate::test::hipki
