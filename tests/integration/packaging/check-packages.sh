#!/usr/bin/env bash
# The Debian packages, made by `cpack -G DEB` from this build tree, hold what a bureau
# installs: the control data (names, dependencies, conffiles, maintainer scripts) is checked,
# the systemd units pass `systemd-analyze verify`, and the programs unpacked from the packages
# (dpkg -x, nothing installed on this machine) run from their packaged files: the server on
# SQLite serves the portal page and its health with the five CA plugins loaded from the
# package, the agent lists a SoftHSM2 card.
#
# usage: check-packages.sh BUILD_DIR TEST_PKI_DIR WORK_DIR
set -euo pipefail
build="$1" pki="$2" work="$3"

fail() {
  echo "packaging: $*" >&2
  exit 1
}
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
arch="$(dpkg --print-architecture)"
server_deb="$(ls "$work"/out/certgate_*_"$arch".deb)"
agent_deb="$(ls "$work"/out/certgate-agent_*_"$arch".deb)"
sdk_deb="$(ls "$work"/out/certgate-plugin-sdk_*_all.deb)"

# --- control data ---------------------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
[[ "$(field "$server_deb" Package)" == certgate ]] || fail "server package name"
[[ "$(field "$agent_deb" Package)" == certgate-agent ]] || fail "agent package name"
[[ "$(field "$sdk_deb" Package)" == certgate-plugin-sdk ]] || fail "SDK package name"
# TLS is OpenSSL itself (the engine in net/), no longer POCO NetSSL.
for dep in libsoci-postgresql libsoci-sqlite3 libssl3 openssl; do
  field "$server_deb" Depends | grep -q "$dep" || fail "certgate does not depend on $dep"
done
for dep in libp11-3 libpcsclite1; do
  field "$agent_deb" Depends | grep -q "$dep" || fail "certgate-agent does not depend on $dep"
done
field "$agent_deb" Recommends | grep -q pcscd || fail "certgate-agent does not recommend pcscd"

for deb in "$server_deb" "$agent_deb"; do
  name="$(field "$deb" Package)"
  dpkg-deb -e "$deb" "$work/control-$name"
  for script in postinst prerm; do
    [[ -x "$work/control-$name/$script" ]] || fail "$name has no executable $script"
    sh -n "$work/control-$name/$script" || fail "$name $script is not valid sh"
  done
done
diff <(sort "$work/control-certgate/conffiles") - <<'LIST' || fail "certgate conffiles"
/etc/certgate/certgate.json
/etc/certgate/functions.json
/etc/certgate/holidays.json
/etc/certgate/sections.json
LIST
[[ "$(cat "$work/control-certgate-agent/conffiles")" == /etc/certgate/agent.json ]] ||
  fail "certgate-agent conffiles"
grep -q "openssl rand -base64 32" "$work/control-certgate/postinst" ||
  fail "certgate postinst does not generate the secrets"
grep -q "systemctl --global enable certgate-agent.service" \
  "$work/control-certgate-agent/postinst" || fail "agent postinst does not enable the user unit"

# --- contents ---------------------------------------------------------------------------------
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
contents "$server_deb" >"$work/server.list"
contents "$agent_deb" >"$work/agent.list"
for path in /usr/bin/certgate /usr/lib/systemd/system/certgate.service \
  /usr/share/certgate/web/index.html /usr/share/certgate/web/admin/index.html \
  /usr/share/certgate/web/js/flow-page.js /usr/share/certgate/web/js/flow/driver.js \
  /usr/share/certgate/web/admin/dashboard.js /usr/share/certgate/web-vendor/uplot/uPlot.iife.min.js \
  /usr/share/certgate/sql/0001_initial.sql /usr/share/certgate/ca-profiles/moica.json \
  /usr/share/certgate/ca-profiles/certs/grca-g2.pem; do
  grep -qx "$path" "$work/server.list" || fail "certgate lacks $path"
done
for ca in gca xca moeaca hca moica; do
  grep -qx "/usr/lib/certgate/plugins/certgate-ca-$ca.so" "$work/server.list" ||
    fail "certgate lacks the $ca plugin"
done
for path in /usr/bin/certgate-agent /usr/lib/systemd/user/certgate-agent.service; do
  grep -qx "$path" "$work/agent.list" || fail "certgate-agent lacks $path"
done
if grep -iE "test-pki|softhsm|/tests?/|\.git/|README\.md$" "$work/server.list" "$work/agent.list" |
  grep -v "/usr/share/doc/\|/ca-profiles/README.md"; then
  fail "test material or sources in a package"
fi
if grep -q "^/usr/bin/" <(contents "$sdk_deb"); then fail "the SDK package carries programs"; fi

# --- unpacked, run -----------------------------------------------------------------------------
root="$work/root"
for deb in "$server_deb" "$agent_deb"; do dpkg -x "$deb" "$root"; done
file "$root/usr/bin/certgate" | grep -q "stripped" && ! file "$root/usr/bin/certgate" |
  grep -q "not stripped" || fail "certgate is not stripped"

mkdir -p "$work/units" "$work/xdg" && chmod 700 "$work/xdg"
sed "s|/usr/bin/|$root/usr/bin/|" "$root/usr/lib/systemd/system/certgate.service" \
  >"$work/units/certgate.service"
sed "s|/usr/bin/|$root/usr/bin/|" "$root/usr/lib/systemd/user/certgate-agent.service" \
  >"$work/units/certgate-agent.service"
systemd-analyze verify "$work/units/certgate.service" >"$work/verify.log" 2>&1 ||
  { cat "$work/verify.log" >&2; fail "certgate.service does not verify"; }
XDG_RUNTIME_DIR="$work/xdg" systemd-analyze verify --user "$work/units/certgate-agent.service" \
  >>"$work/verify.log" 2>&1 || { cat "$work/verify.log" >&2; fail "certgate-agent.service does not verify"; }
[[ ! -s "$work/verify.log" ]] || { cat "$work/verify.log" >&2; fail "systemd warns about a unit"; }

for key in pii audit; do (umask 077 && openssl rand -base64 32 >"$work/$key.key"); done
etc="$root/etc/certgate"
jq --arg root "$root" --arg work "$work" --arg pki "$pki" '
  .server.host = "127.0.0.1" | .server.publicOrigin = "https://localhost"
  | .server.tls = { certificate: ($pki + "/tls/portal.pem"), privateKey: ($pki + "/tls/portal.key") }
  | .server.webRoot = ($root + "/usr/share/certgate/web")
  | .database = { backend: "sqlite3", connection: ("db=" + $work + "/certgate.db"),
                  migrations: ($root + "/usr/share/certgate/sql") }
  | .cas = { profiles: ($root + "/usr/share/certgate/ca-profiles"),
             plugins: ($root + "/usr/lib/certgate/plugins") }
  | .security = { piiKeyFile: ($work + "/pii.key"), auditKeyFile: ($work + "/audit.key") }' \
  "$etc/certgate.json" >"$etc/certgate.local.json"
"$root/usr/bin/certgate" serve --config "$etc/certgate.local.json" --port 0 >"$work/server.log" 2>&1 &
pids+=($!)
jq --arg pkcs11 /usr/lib/softhsm/libsofthsm2.so '.port = 0 | .module = $pkcs11' \
  "$etc/agent.json" >"$etc/agent.local.json"
SOFTHSM2_CONF="$pki/softhsm/softhsm2.conf" "$root/usr/bin/certgate-agent" serve \
  --config "$etc/agent.local.json" >"$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.log" && grep -q "listening on" "$work/agent.log" && break
  sleep 0.1
done
server_url="$(grep -o "listening on https://[^ ]*" "$work/server.log" | head -n 1)"
server_url="${server_url#listening on }"
agent_url="$(grep -o "http://127.0.0.1:[0-9]*" "$work/agent.log" | head -n 1)"
[[ -n "$server_url" && -n "$agent_url" ]] ||
  { tail -n 20 "$work/server.log" "$work/agent.log" >&2; fail "a packaged program did not start"; }
server_url="${server_url%/}"
https_port="${server_url##*:}"
curl_tls=(curl -sS --fail -m 10 --cacert "$pki/tls/ca.pem" --resolve "localhost:$https_port:127.0.0.1")
page="$("${curl_tls[@]}" "https://localhost:$https_port/")"
grep -q "<html" <<<"$page" || fail "the packaged server does not serve the portal page"
# The flow page's modules live in a subfolder (web/js/flow/): installed and served as scripts.
module_type="$("${curl_tls[@]}" -o /dev/null -w '%{content_type}' "https://localhost:$https_port/js/flow/driver.js")"
[[ "$module_type" == text/javascript* ]] ||
  fail "the packaged server does not serve /js/flow/driver.js as a script: $module_type"
health="$("${curl_tls[@]}" "https://localhost:$https_port/api/v1/health")"
[[ "$(jq -r .plugins <<<"$health")" == 5 ]] || fail "packaged plugins not all loaded: $health"
# The shipped production profiles cannot accept GCA, XCA or HCA cards until their issuing-CA
# certificates are imported (certgate ca status): the database is up, the trust degraded.
[[ "$(jq -r .database <<<"$health")" == true ]] || fail "packaged server's database down: $health"
[[ "$(jq -r '.status + " " + (.trust | tostring)' <<<"$health")" == "degraded false" ]] ||
  fail "packaged server does not say its shipped trust is incomplete: $health"
"$root/usr/bin/certgate" ca status --profiles "$root/usr/share/certgate/ca-profiles" >"$work/ca-status.txt" &&
  fail "ca status says the shipped profiles all accept cards"
grep -q "^gca .*" "$work/ca-status.txt" || fail "ca status does not list gca: $(cat "$work/ca-status.txt")"
tokens="$(curl -sS --fail -m 10 "$agent_url/v1/tokens")"
jq -e '[.. | strings] | any(. == "moica-wang")' <<<"$tokens" >/dev/null ||
  fail "the packaged agent does not list the SoftHSM2 card moica-wang: $tokens"
echo "packaging: certgate, certgate-agent and certgate-plugin-sdk packages check out"
