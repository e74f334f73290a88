#include "PopupForm.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace certgate::test::hipki {

std::string popupFormPage(const std::vector<std::string>& allowedDomains)
{
    Poco::JSON::Array domains;
    for (const auto& domain : allowedDomains)
        domains.add(domain);
    std::ostringstream list;
    domains.stringify(list);
    return R"(<!DOCTYPE html>
<html lang="zh-TW"><head><meta charset="utf-8"><title>HiPKI Local Server (test double)</title>
</head><body><p>HiPKI Local Server test double</p><script>
"use strict";
const allowed = )"
        + list.str() + R"(;
let done = false;
function reply(origin, answer) {
  done = true;
  window.opener.postMessage(typeof answer === "string" ? answer : JSON.stringify(answer), origin);
  window.close();
}
window.addEventListener("message", async (event) => {
  if (done || !window.opener || event.source !== window.opener) return;
  let host = "";
  try { host = new URL(event.origin).hostname; } catch (e) { return; }
  if (!allowed.includes(host)) {
    reply(event.origin, { func: "sign", ret_code: 0x76000031, last_error: 0,
      message: "site not trusted" });
    return;
  }
  let command;
  try { command = JSON.parse(event.data); } catch (e) {
    reply(event.origin, { func: "sign", ret_code: 0x7600000B, last_error: 0, message: "bad JSON" });
    return;
  }
  try {
    let response;
    if (command.func === "MakeSignature") {
      response = await fetch("/sign", { method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "tbsPackage=" + encodeURIComponent(JSON.stringify(command)) });
    } else if (command.func === "GetUserCert" || command.func === "CheckEnvir") {
      response = await fetch(command.func === "GetUserCert" ? "/pkcs11info?withcert=true"
        : "/pkcs11info");
    } else {
      reply(event.origin, { func: "sign", ret_code: 0x7600000E, last_error: 0,
        message: "unsupported method" });
      return;
    }
    reply(event.origin, await response.text());
  } catch (e) {
    reply(event.origin, { func: "sign", ret_code: 0x7600000D, last_error: 0,
      message: String(e) });
  }
});
window.opener && window.opener.postMessage('{"func":"getTbs"}', "*");
</script></body></html>
)";
}

std::string addDomainPage(const std::string& domain)
{
    // A host name only: anything else is not embedded in the page at all.
    const bool valid = !domain.empty() && domain.size() < 254
        && std::all_of(domain.begin(), domain.end(),
            [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
    const std::string host = valid ? domain : std::string();
    return R"(<!DOCTYPE html>
<html lang="zh-TW"><head><meta charset="utf-8"><title>HiPKI addDomain (test double)</title>
</head><body><p>HiPKI Local Server test double: add <b id="domain"></b> to the trusted sites?</p>
<p><button id="add" type="button">Add</button> <button id="cancel" type="button">Cancel</button></p>
<script>
"use strict";
const domain = ")"
        + host + R"(";
document.getElementById("domain").textContent = domain;
function reply(answer) {
  // The real page's target is undocumented; what it posts is no secret (a ret_code).
  if (window.opener) window.opener.postMessage(JSON.stringify(answer), "*");
  window.close();
}
document.getElementById("add").addEventListener("click", async () => {
  try {
    const response = await fetch("/addDomain", { method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "domain=" + encodeURIComponent(domain) });
    reply(JSON.parse(await response.text()));
  } catch (e) {
    reply({ func: "addDomain", ret_code: 0x7600000D, last_error: 0, message: String(e) });
  }
});
document.getElementById("cancel").addEventListener("click", () =>
  reply({ func: "addDomain", ret_code: 0x76000999, last_error: 0, message: "cancelled" }));
</script></body></html>
)";
}

} // namespace certgate::test::hipki
