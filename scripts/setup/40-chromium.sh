#!/usr/bin/env bash
# Headless Chromium for the demo page test (driven by playwright-core with executablePath), and
# promtool for the dashboard/rules checks (same Debian package as 10-prometheus.sh; whichever
# script runs first installs it). Idempotent: does nothing when both are installed.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
[ "${#missing[@]}" -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "» installing ${missing[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || true
# policy-rc.d-free containers may try to start the prometheus service: nothing should keep running.
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
