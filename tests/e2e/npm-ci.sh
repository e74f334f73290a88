#!/usr/bin/env bash
# ctest fixture e2e-node: installs playwright-core, pinned by package-lock.json, into
# OUTDIR/node_modules with `npm ci` (the registry is reached only when the lock file changed).
# The browser is Debian's /usr/bin/chromium: `npx playwright install` is never run.
#   npm-ci.sh SOURCE_DIR OUTDIR
set -euo pipefail
src="$1"
out="$2"
command -v node >/dev/null || { echo "npm-ci: node is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm-ci: npm is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
[[ -x /usr/bin/chromium || -n "${CERTGATE_CHROMIUM:-}" ]] || { echo "npm-ci: /usr/bin/chromium is missing" >&2; exit 1; }
mkdir -p "$out"
if cmp -s "$src/package-lock.json" "$out/package-lock.json" && [[ -f "$out/node_modules/playwright-core/package.json" ]]; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$out/"
cd "$out"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
node -e "require('playwright-core'); console.log('npm-ci: playwright-core', require('playwright-core/package.json').version)"
