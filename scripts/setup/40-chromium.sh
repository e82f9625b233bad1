#!/usr/bin/env bash
# Headless Chromium for the demo page test (examples/demo, driven by playwright-core with
# executablePath): Debian's package, no browser download. Idempotent: nothing to do when installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "» installing chromium (apt)" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ]
