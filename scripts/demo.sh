#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, generates the demo PKI and
# SoftHSM2 cards, and runs `certgate serve` (embedded SQLite) with `certgate-agent` on the demo
# cards until Ctrl-C. Re-running keeps the demo database; `--reset` starts it afresh.
# Every file the demo writes names the others relative to itself (build/demo/certgate.json,
# build/test-pki), so a copied clone runs its own demo on its own cards.
# Ports: CERTGATE_DEMO_PORT (8443), CERTGATE_DEMO_AGENT_PORT (27161), CERTGATE_DEMO_METRICS_PORT
# (9464). CERTGATE_DEMO_PREBUILT=1 skips installing and building (the tests, whose build
# already holds the programs, run the demo so).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[[ "${1:-}" == "--reset" ]] && rm -rf build/demo

if [[ ${CERTGATE_DEMO_PREBUILT:-} != 1 ]]; then
  bash scripts/install-deps.sh
  # CMake refuses a build folder made in another place (a copied or moved clone): configure it
  # afresh there; the programs are compiled again, the cards and CA files are kept.
  fresh=()
  if [[ -f build/CMakeCache.txt ]] &&
    ! grep -qxF "CMAKE_CACHEFILE_DIR:INTERNAL=$root/build" build/CMakeCache.txt; then
    echo "demo: build/ was configured in another folder; configuring it afresh here" >&2
    fresh=(--fresh)
  fi
  cmake --preset demo "${fresh[@]}" >/dev/null
  cmake --build --preset demo --target certgate certgate-agent test-pki plugins
fi
# Fresh CRLs (they are valid for 30 days) and a softhsm2.conf naming this tree's tokens.
bash tests/pki/make-test-pki.sh build/test-pki

pki="$root/build/test-pki"
demo="$root/build/demo"
mkdir -p "$demo"
chmod 700 "$demo"
for key in pii audit; do
  [[ -s "$demo/$key.key" ]] || (umask 077 && openssl rand -base64 32 >"$demo/$key.key")
done
port="${CERTGATE_DEMO_PORT:-8443}"
metrics_port="${CERTGATE_DEMO_METRICS_PORT:-9464}"
agent_port="${CERTGATE_DEMO_AGENT_PORT:-27161}"
origin="https://localhost:$port"

# Paths relative to the configuration file (build/demo), so the tree may be moved or copied.
jq -n --arg origin "$origin" \
  --argjson port "$port" --argjson metrics "$metrics_port" --arg agent "http://127.0.0.1:$agent_port" '{
  server: { host: "127.0.0.1", port: $port, publicOrigin: $origin,
            tls: { certificate: "../test-pki/tls/portal.pem", privateKey: "../test-pki/tls/portal.key" },
            webRoot: "../../web" },
  agent: { url: $agent },
  metrics: { listen: ("127.0.0.1:" + ($metrics | tostring)) },
  database: { backend: "sqlite3", connection: "db=certgate.db", migrations: "../../sql" },
  cas: { profiles: "../test-pki/ca-profiles", plugins: "../lib/certgate/plugins" },
  security: { piiKeyFile: "pii.key", auditKeyFile: "audit.key" },
  portal: { functionsFile: "../../conf/functions.json", sectionsFile: "../../conf/sections.json",
            holidaysFile: "../../conf/holidays.json" },
  testing: { clockOffsetFile: "clock-offset" }
}' >"$demo/certgate.json"
jq -n --arg pkcs11 /usr/lib/softhsm/libsofthsm2.so --arg origin "$origin" --argjson port "$agent_port" \
  '{ "port": $port, "module": $pkcs11, "allowedOrigins": [$origin] }' >"$demo/agent.json"

certgate="$root/build/bin/certgate"
"$certgate" migrate --config "$demo/certgate.json"
"$certgate" import-agencies conf/demo/agencies.csv --config "$demo/certgate.json"
"$certgate" staff add --certificate "$pki/$(jq -r '.cards["moica-lee"].signCert' "$pki/cards.json")" \
  --role admin --config "$demo/certgate.json"

export SOFTHSM2_CONF="$pki/softhsm/softhsm2.conf"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$certgate" serve --config "$demo/certgate.json" >"$demo/server.log" 2>&1 &
pids+=($!)
"$root/build/bin/certgate-agent" serve --config "$demo/agent.json" >"$demo/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "listening on" "$demo/server.log" 2>/dev/null && grep -q "listening on" "$demo/agent.log" 2>/dev/null && break
  sleep 0.2
done
if ! grep -q "listening on" "$demo/server.log" || ! grep -q "listening on" "$demo/agent.log"; then
  echo "demo: a program did not start; see $demo/server.log and $demo/agent.log" >&2
  tail -n 20 "$demo/server.log" "$demo/agent.log" >&2
  exit 1
fi

cat <<TXT

  certgate demo is running.

  Portal (HTTPS):   $origin/          admin pages: $origin/admin/
  Card agent:       http://127.0.0.1:$agent_port/v1/tokens
  TLS CA to trust:  $pki/tls/ca.pem   (or accept the browser warning once)
  Demo cards:       SoftHSM2 tokens in $pki/softhsm — every PIN is 123456
    agency A0001 內政部:   organisation card gca-moi,  manager card moica-wang (ID A120315781)
    operators:             moica-chen (H108362943), moica-huang (F227190583)
    ops staff (admin):     moica-lee
  Walk-through:     README.md, "Demo walk-through"; logs in $demo/*.log
  Offline commands: in $root, with --config build/demo/certgate.json, e.g.
                    build/bin/certgate audit verify --config build/demo/certgate.json

  Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}"
echo "demo: a program stopped; see $demo/server.log and $demo/agent.log" >&2
exit 1
