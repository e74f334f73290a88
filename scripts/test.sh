#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything (warnings as errors),
# checks formatting, and runs the whole suite — unit, integration (SoftHSM2, SQLite,
# PostgreSQL, pcscd, real HTTP), end-to-end (headless Chromium) — then the fuzzers briefly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)

bash scripts/install-deps.sh --test
bash scripts/check-format.sh

cmake --preset ci
cmake --build --preset ci

# Tests start what they need themselves (PostgreSQL cluster, pcscd, the programs).
ctest --preset ci -j "$(nproc)"

# libFuzzer targets (clang, ASan + UBSan), each for a short bounded run, seeded from the test PKI.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
seeds=build-fuzz/corpus
mkdir -p "$seeds/fuzz_certificate_parsing" "$seeds/fuzz_token_parsing" "$seeds/fuzz_identity_extraction"
for der in build/test-pki/cards/*/sign.der; do
  card=$(basename "$(dirname "$der")")
  cp "$der" "$seeds/fuzz_certificate_parsing/$card.der"
  jq -cn --arg c "$(base64 -w0 "$der")" \
    '{format:"certgate-auth:1",certificate:$c,algorithm:"RS256",signature:"AAECAw==",agentVersion:"1.0.0"}' \
    >"$seeds/fuzz_token_parsing/$card.json"
done
for fuzzer in build-fuzz/bin/fuzz_*; do
  name=$(basename "$fuzzer")
  echo "fuzz: $name for ${CERTGATE_FUZZ_SECONDS:-30}s"
  # A crash makes the fuzzer exit non-zero, which fails this script (pipefail).
  "$fuzzer" -max_total_time="${CERTGATE_FUZZ_SECONDS:-30}" -print_final_stats=1 "$seeds/$name" 2>&1 | tail -n 3
done

echo "test: all passed in $(( $(date +%s) - start ))s"
