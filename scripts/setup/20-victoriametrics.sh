#!/usr/bin/env bash
# VictoriaMetrics (single-node), the OTLP receiver the tests push to (docs/architecture.md, "Tools the tests start").
# Installs the binary at .tools/victoria-metrics/victoria-metrics (+ VERSION). Idempotent.
#
# OTLP ingest at /opentelemetry/v1/metrics needs VictoriaMetrics >= 1.92; Debian bookworm ships 1.79,
# trixie ships 1.112. We take trixie's package without adding trixie to the system: an apt source is
# derived from this machine's own Debian source file (same mirror, suite renamed), used only by a
# private apt state in a temp dir, and the .deb is unpacked with `dpkg -x` — nothing gets installed
# system-wide and the system's apt lists are untouched. Debian's build links only glibc (>= 2.34) and
# libzstd1 (apt itself depends on it), so it runs on bookworm. It has no -version output, so the
# package version is kept in VERSION beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DEST=.tools/victoria-metrics
BIN="$DEST/victoria-metrics"
MIN_VERSION=1.92

# True when $1 (a Debian version such as 1.112.0+ds1-2) is at least MIN_VERSION.
version_ok() {
  [ -n "$1" ] && dpkg --compare-versions "$1" ge "$MIN_VERSION"
}

if [ -x "$BIN" ] && version_ok "$(cat "$DEST/VERSION" 2>/dev/null)" && "$BIN" -help >/dev/null 2>&1; then
  echo "» victoria-metrics: $(cat "$DEST/VERSION") already in $DEST"
  exit 0
fi

# The machine's Debian source: deb822 (debian.sources) or the one-line format (sources.list).
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # First stanza whose URIs is a Debian archive (not the security one).
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f" && return 0
  done
  [ -f /etc/apt/sources.list ] &&
    awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list
}
MIRROR=$(find_mirror | head -1)
if [ -z "$MIRROR" ]; then
  echo "victoria-metrics: no Debian apt source found in /etc/apt; cannot derive a trixie source" >&2
  exit 1
fi

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/lists/partial" "$TMP/archives/partial" "$TMP/sources.d"
cat >"$TMP/sources.d/trixie.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: trixie
Components: main
Signed-By: $KEYRING
SRC

APT_OPTS=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$TMP/sources.d"
  -o "Dir::State::Lists=$TMP/lists"
  -o "Dir::State::Status=/var/lib/dpkg/status"
  -o "Dir::Cache::Archives=$TMP/archives"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "APT::Architecture=$(dpkg --print-architecture)"
  -o "Acquire::Languages=none"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root" # the temp dir is not readable by _apt; this fetch needs no sandbox
)

echo "» victoria-metrics: fetching the trixie package list (private apt state in $TMP)"
apt-get "${APT_OPTS[@]}" -qq update
(cd "$TMP" && apt-get "${APT_OPTS[@]}" -qq download victoria-metrics)
DEB=$(ls "$TMP"/victoria-metrics_*.deb)
VERSION=$(dpkg-deb -f "$DEB" Version)
if ! version_ok "$VERSION"; then
  echo "victoria-metrics: trixie has $VERSION, older than $MIN_VERSION" >&2
  exit 1
fi
dpkg -x "$DEB" "$TMP/root"
FOUND="$TMP/root/usr/bin/victoria-metrics"
if [ ! -x "$FOUND" ]; then
  echo "victoria-metrics: no usr/bin/victoria-metrics in $(basename "$DEB")" >&2
  exit 1
fi
mkdir -p "$DEST"
install -m 0755 "$FOUND" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$VERSION" >"$DEST/VERSION"
"$BIN" -help >/dev/null 2>&1 || { echo "victoria-metrics: $BIN does not run on this machine" >&2; exit 1; }
echo "» victoria-metrics: installed $VERSION at $BIN"
