#pragma once

#include <string>
#include <vector>

namespace certgate::test::hipki {

/// The double's /popupForm page (hipki-protocol.md §1): it posts {"func":"getTbs"} to its
/// opener, takes ONE command from a page whose host is on `allowedDomains` (else answers
/// ret_code 0x76000031), runs it against the double's own /sign or /pkcs11info, posts the raw
/// answer back to the opener's origin and closes itself, also on error.
std::string popupFormPage(const std::vector<std::string>& allowedDomains);

/// The double's /addDomain?domain=HOST page (hipki-protocol.md §6): it asks (Add / Cancel);
/// Add posts HOST to the double's own POST /addDomain, which puts it on the domain list; the
/// answer ({"func":"addDomain","ret_code":0}, or 0x76000999 when cancelled) goes to the
/// opener, and the page closes.
std::string addDomainPage(const std::string& domain);

} // namespace certgate::test::hipki
