#!/usr/bin/env bash
# Quick start: build naapd and run it on http://localhost:4000 against a private
# PostgreSQL 15 and Redis.
#
#   deploy/local/up.sh
#
# Installs missing Debian packages (deploy/local/install-deps.sh), builds into build/,
# starts the datastores (deploy/local/services.sh start; state in .state/), applies the
# migrations, then runs `naapd serve` in the foreground: Ctrl-C stops naapd. The
# datastores keep running until `deploy/local/services.sh stop`.
#
# Environment: PORT (4000), NAAP_ENV (development), JWT_SECRET (generated once and kept
# in .state/jwt_secret), STATE_DIR (.state), PG_PORT/REDIS_PORT (see services.sh); any
# other naapd variable (WORKERS, HOST, …) passes through.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$PROJECT"
STATE_DIR=${STATE_DIR:-$PROJECT/.state}

deploy/local/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

eval "$(deploy/local/services.sh start "$STATE_DIR")"
export DATABASE_URL REDIS_URL
export MIGRATIONS_DIR=${MIGRATIONS_DIR:-$PROJECT/migrations}
build/naapd migrate

if [ -z "${JWT_SECRET:-}" ]; then
  if [ ! -s "$STATE_DIR/jwt_secret" ]; then
    # 32 random bytes as 64 hex digits, readable by this user only.
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$STATE_DIR/jwt_secret")
  fi
  JWT_SECRET=$(cat "$STATE_DIR/jwt_secret")
fi
export JWT_SECRET
export NAAP_ENV=${NAAP_ENV:-development}
export PORT=${PORT:-4000}

stop_cmd="deploy/local/services.sh stop"
[ "$STATE_DIR" = "$PROJECT/.state" ] || stop_cmd+=" $(printf '%q' "$STATE_DIR")"
cat >&2 <<MSG

naapd: http://localhost:$PORT  (Ctrl-C stops it)
  DATABASE_URL=$DATABASE_URL
  REDIS_URL=$REDIS_URL
The datastores keep running after naapd stops; stop them with:
  $stop_cmd

MSG
exec build/naapd serve
