#!/usr/bin/env bash
# Prometheus + promtool for the exporter tests (docs/architecture.md, "Tools the tests start"): Debian's package (2.42). Nothing is
# started here: the tests run the binary themselves on 127.0.0.1 with a temporary config.
# Idempotent: does nothing when both binaries are already on PATH.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
echo "» installing prometheus (apt)" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# --no-install-recommends: the package recommends node-exporter and friends, which we never start.
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The Debian package enables a system service; the tests run their own instance, so stop that one
# where a service manager is running (in containers there is none and this is a no-op).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi
command -v prometheus >/dev/null && command -v promtool >/dev/null
