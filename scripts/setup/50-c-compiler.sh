#!/usr/bin/env bash
# A C compiler for the hardware tests and bench: they compile a fake libnvidia-ml.so.1 from C so the NVML
# provider runs its real koffi FFI path without a GPU. Idempotent: does nothing when cc/gcc/clang exists.
set -euo pipefail

for cc in "${CC:-}" cc gcc clang; do
  if [ -n "$cc" ] && command -v "$cc" >/dev/null 2>&1; then
    echo "» c-compiler: $cc already present"
    exit 0
  fi
done

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends gcc libc6-dev >&2
command -v gcc >/dev/null || { echo "c-compiler: gcc still missing after apt-get install" >&2; exit 1; }
echo "» c-compiler: installed $(gcc --version | head -n1)"
