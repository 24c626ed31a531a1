#!/usr/bin/env bash
# Install the Debian 12 packages that building, running and testing naapd need.
#
#   deploy/local/install-deps.sh
#
# Idempotent: asks dpkg which packages are missing and installs only those; when
# nothing is missing it touches nothing (no apt-get update, no network). Runs as root,
# or through sudo when not root. It never starts, stops or relies on the system
# PostgreSQL/Redis services: deploy/local/services.sh runs private instances instead
# (if a package's postinst starts its system service, that instance is simply unused).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libmicrohttpd-dev libhiredis-dev libpq-dev libjansson-dev zlib1g-dev libjwt-dev
  libssl-dev libcurl4-openssl-dev
  postgresql-15 postgresql-client-15 redis-server redis-tools
  python3 curl clang-format systemd
  chromium chromium-driver
  nginx pgbouncer python3-prometheus-client
  clang libclang-rt-14-dev valgrind
)

log() { echo "[install-deps] $*" >&2; }

installed() {
  # "install ok installed" is the only state in which the package's files are present.
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  log "missing packages: ${missing[*]}; not root and no sudo: install them as root"
  exit 1
fi

log "installing: ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
# --no-install-recommends keeps the set small; stdin from /dev/null so that CI (no
# stdin) and interactive runs behave the same.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}" </dev/null >&2

for p in "${missing[@]}"; do
  installed "$p" || { log "package $p still missing after apt-get install"; exit 1; }
done
log "done"
