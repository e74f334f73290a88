#!/usr/bin/env bash
# Installs the Debian 12 packages certgate needs, and only those missing.
#   scripts/install-deps.sh          build + demo
#   scripts/install-deps.sh --test   build + demo + test suite
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lists=("$here/deps.txt")
[[ "${1:-}" == "--test" ]] && lists+=("$here/deps-test.txt")

mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  # Node.js may come from elsewhere (NodeSource's nodejs bundles npm and conflicts with
  # Debian's npm): working node and npm commands are as good as the packages.
  if [[ $pkg == nodejs || $pkg == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
