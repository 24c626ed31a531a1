#!/usr/bin/env bash
# A/B of naapd binaries (or settings) on the anchor's 10K-user data, naapd only: each round
# runs every variant in turn, so they share the same minutes of a noisy machine. Besides
# wrk's req/s and latency it prints the CPU the naapd workers and redis-server spent per
# request, the steadier figure on a shared box. Not part of ctest/CI.
#
#   tests/bench/ab.sh "c b" 2 /path/naapd-before /path/naapd-after
#   tests/bench/ab.sh "p" 1 "/path/naapd" "/path/naapd|RATE_LIMIT_ENABLED=false"
#
# Scenarios (the anchor's lists): a /healthz, p /api/v1/auth/providers (no I/O but the rate
# limiter), c my-plugins warm (2 000 users), b marketplace gzip, d my-plugins one pass.
# A variant is "binary" or "binary|VAR=value ..." (settings for that variant only).
# Env: CONNS=64 DUR=10s WARM=4s, ANCHORS=/work/shared/anchors.
# Its stores use their own ports (PostgreSQL 57432, Redis 57379, naapd 4300) and data
# directories under a temp dir, so it can run beside run.sh; everything it starts is
# stopped on exit, by pid or through services.sh.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,16p' "$0" >&2; exit 64; }
SCEN=$1 ROUNDS=$2
shift 2
VARIANTS=("$@")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ANCHORS=${ANCHORS:-/work/shared/anchors}
PORT=4300
T=$(mktemp -d /tmp/naapd-ab.XXXXXX)
chmod 755 "$T" # PostgreSQL runs as the postgres user
A=$T/anchors
cp -r "$ANCHORS" "$A"
chmod -R u+w "$A"
sed -i 's@^\( *\)\[ -x /usr/sbin/nginx \] || need+=(nginx)@\1: # not needed here@' "$A/services.sh"
NAAPD_PID=""
cleanup() {
  if [ -n "$NAAPD_PID" ]; then
    kill -TERM "$NAAPD_PID" 2>/dev/null || true
    wait "$NAAPD_PID" 2>/dev/null || true
  fi
  "$A/services.sh" stop >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

export PGROOT=$T/pg PGPORT=57432 REDIS_DIR=$T/redis REDIS_PORT=57379 PGB_PORT=57433
eval "$("$A/services.sh" start)"
psql -h 127.0.0.1 -p "$PGPORT" -U naap -d postgres -qAtX -c 'DROP DATABASE IF EXISTS naap' \
  -c 'CREATE DATABASE naap OWNER naap'
psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -f "$A/schema.sql" -f "$A/seed.sql" >/dev/null
psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -f "$HERE/seed-passwords.sql" >/dev/null
first=${VARIANTS[0]%%|*}
DATABASE_URL=$DATABASE_URL MIGRATIONS_DIR=$REPO/migrations "$first" migrate >/dev/null
JWT=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
echo /api/v1/auth/providers >"$A/bench/lists/providers.txt"
declare -A LISTS=([a]="healthz.txt|none|loop" [p]="providers.txt|none|loop"
  [c]="myplugins-warm-2000.txt|gzip|loop" [b]="marketplace.txt|gzip|loop"
  [d]="myplugins-all.txt|gzip|onepass")

cpu_ticks() { # utime + stime of the given pids, in clock ticks
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

wrk_run() { # list ae mode duration [--latency]
  LIST=$A/bench/lists/$1 AE=$2 MODE=$3 THREADS=2 NAME=ab wrk -t2 -c"${CONNS:-64}" -d"$4" \
    --timeout 10s ${5:-} -s "$A/bench/scenario.lua" "http://127.0.0.1:$PORT" 2>&1
}

hz=$(getconf CLK_TCK)
redis_pid=$(redis-cli -p "$REDIS_PORT" info server | awk -F: '/^process_id/{print $2}' | tr -d '\r')
for r in $(seq "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    bin=${v%%|*}
    settings=()
    [ "$v" = "$bin" ] || read -r -a settings <<<"${v#*|}"
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    env PORT=$PORT HOST=127.0.0.1 DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL" WORKERS="$(nproc)" \
      NAAP_ENV=production JWT_SECRET="$JWT" MIGRATIONS_DIR="$REPO/migrations" RATE_LIMIT_ENABLED=true \
      RATE_LIMIT_STANDARD_POINTS=1000000000 RATE_LIMIT_RELAXED_POINTS=1000000000 \
      RATE_LIMIT_STRICT_POINTS=1000000000 PG_PREPARED_STATEMENTS=true "${settings[@]}" \
      setsid "$bin" serve >"$T/naapd.out" 2>"$T/naapd.err" &
    NAAPD_PID=$!
    for _ in $(seq 100); do
      curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
      sleep 0.2
    done
    for s in $SCEN; do
      IFS='|' read -r list ae mode <<<"${LISTS[$s]}"
      [ "$mode" = loop ] && wrk_run "$list" "$ae" "$mode" "${WARM:-4s}" >/dev/null
      pids="$(pgrep -P "$NAAPD_PID" | tr '\n' ' ') $redis_pid"
      t0=$(cpu_ticks $pids)
      out=$(wrk_run "$list" "$ae" "$mode" "${DUR:-10s}" --latency)
      t1=$(cpu_ticks $pids)
      reqs=$(awk '/requests in/{print $1}' <<<"$out")
      awk -v r="$r" -v s="$s" -v v="$v" -v a="$t0" -v b="$t1" -v n="$reqs" -v hz="$hz" '
        /Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
        /Non-2xx/ {bad = $NF}
        END {printf "round=%s scen=%s variant=%s rps=%s p50=%s p99=%s cpu_us_per_req=%.1f non2xx=%d\n",
             r, s, v, rps, p50, p99, (b - a) * 1e6 / hz / n, bad}' <<<"$out"
    done
    kill -TERM "$NAAPD_PID"
    wait "$NAAPD_PID" 2>/dev/null || true
    NAAPD_PID=""
  done
done
