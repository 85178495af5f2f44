#!/usr/bin/env bash
# Install what the test suite needs: the reference servers/tools (Debian packages) and the
# project with its test extras.  Idempotent: packages already present are not reinstalled.
# Never starts, stops or configures system services; the tests start their own servers.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

# binary -> Debian package that provides it
declare -A NEED=(
  [redis-server]=redis-server
  [redis-cli]=redis-tools
  [redis-benchmark]=redis-tools
  [redis-sentinel]=redis-sentinel
  [memcached]=memcached
)
missing=()
for bin in "${!NEED[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${NEED[$bin]}")
done
if ((${#missing[@]})); then
  # unique package names
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "ci/install.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

redis-server --version

"$PYTHON" -m pip install -q -e '.[test]'
"$PYTHON" -c 'import fastcache, redis, hiredis, hypothesis, pytest, lupa.lua51; print("python deps ok")'
