#!/usr/bin/env bash
# The build's web-vendor/ and the ctest fixtures e2e-node and openapi-node: installs a test folder's npm packages, pinned by its
# package-lock.json, into OUTDIR/node_modules with `npm ci` (the registry is reached only when
# the lock file changed). PACKAGE is the one whose presence says the install is done.
# The e2e browser is Debian's /usr/bin/chromium: `npx playwright install` is never run.
#   npm-ci.sh SOURCE_DIR OUTDIR PACKAGE
set -euo pipefail
src="$1"
out="$2"
package="$3"
command -v node >/dev/null || { echo "npm-ci: node is missing (bash scripts/install-deps.sh)" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm-ci: npm is missing (bash scripts/install-deps.sh)" >&2; exit 1; }
if [[ $package == playwright-core && ! -x /usr/bin/chromium && -z "${CERTGATE_CHROMIUM:-}" ]]; then
  echo "npm-ci: /usr/bin/chromium is missing" >&2
  exit 1
fi
mkdir -p "$out"
if cmp -s "$src/package-lock.json" "$out/package-lock.json" && [[ -f "$out/node_modules/$package/package.json" ]]; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$out/"
cd "$out"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
node -e "console.log('npm-ci: $package', require('$package/package.json').version)"
