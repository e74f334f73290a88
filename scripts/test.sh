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

# libFuzzer targets (clang), each for a short bounded run.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for fuzzer in build-fuzz/bin/fuzz_*; do
  [[ -x "$fuzzer" ]] || continue
  corpus="build-fuzz/corpus/$(basename "$fuzzer")"
  mkdir -p "$corpus"
  echo "fuzz: $(basename "$fuzzer") for ${CERTGATE_FUZZ_SECONDS:-30}s"
  "$fuzzer" -max_total_time="${CERTGATE_FUZZ_SECONDS:-30}" -print_final_stats=1 "$corpus" 2>&1 | tail -n 3
done

echo "test: all passed in $(( $(date +%s) - start ))s"
