#!/usr/bin/env bash
# naapd vs node-ref (the Node/Express + PM2 anchor) under wrk, on the seeded 10K-user data,
# both measured in the same run on the same machine, so every figure is a ratio against a
# baseline measured minutes earlier, not against a recorded number. Not part of ctest/CI.
#
#   tests/bench/run.sh
#
# Env (defaults):
#   SCENARIOS  auto = those of "a d c b" whose route naapd serves (a precheck curl of the
#              scenario's first list entry on naapd; 404 = not served -> skipped with a note).
#              An explicit list (e.g. "a c") is run in the anchor order a d c b, also prechecked.
#   RUNS=1     how many times the (node-ref, naapd) pair is measured; each side is restarted on
#              a flushed Redis every time.
#   DURATION=15s CONNS=64 THREADS=2 (WARMUP=5s TIMEOUT=10s)   passed to the anchor's bench/run.sh
#   NAAPD_SRC=worktree   worktree: Release build of this checkout in ./build-bench;
#                        head: Release build of a clean `git archive HEAD` export (cached per commit
#                        under $BENCH_CACHE), for when the working tree is mid-edit.
#   NAAPD=/path/to/naapd a prebuilt binary instead (migrations then come from ./migrations).
#   EXTRA="k l w"  the scenarios beyond the anchor's (see README): k = my-plugins warm with 1000
#              connections (both servers), l = login, w = write mix (naapd only: node-ref has
#              neither route). "" skips them.
#   CEILING=1  also measure the anchor's nginx ceiling (e, e2) once per run, in the same run.
#   ANCHORS=/work/shared/anchors   the anchor directory (read-only; copied to a temp dir).
#   BENCH_CACHE=/tmp/naapd-bench-cache   node_modules (keyed by the lockfile hash) and HEAD builds.
#   OUTDIR=tests/bench/out/<UTC timestamp>   where the TSVs, raw wrk output and logs go.
#   Any other naapd variable (WORKER_THREADS, LOG_LEVEL, ...) in the environment reaches naapd.
#
# Fixed: PostgreSQL 127.0.0.1:55432 and Redis :56379 (the anchor's services.sh; PgBouncer :56432
# comes with it, unused), node-ref :4100 (PM2 cluster, instances = nproc, RL_POINTS=1e9),
# naapd :4200 (WORKERS=nproc, NAAP_ENV=production, random JWT_SECRET, rate limiting ON with
# budgets too large to bite, as node-ref's RL_POINTS=1e9).
# These ports must be free at start: the bench refuses to share the anchor stores with anything.
#
# Everything started here is stopped on exit, also on failure or Ctrl-C: naapd by pid (SIGTERM),
# node-ref through the copy's node-ref/run.sh stop (its private PM2 daemon), the data stores
# through the copy's services.sh stop. Nothing is killed by name.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ANCHORS=${ANCHORS:-/work/shared/anchors}
RUNS=${RUNS:-1}
export DURATION=${DURATION:-15s} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
NAAPD_SRC=${NAAPD_SRC:-worktree}
BENCH_CACHE=${BENCH_CACHE:-/tmp/naapd-bench-cache}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUTDIR=${OUTDIR:-$HERE/out/$STAMP}
NODE_PORT=4100
NAAPD_PORT=4200
PG_PORT=55432
REDIS_PORT=56379
PGB_PORT=56432
NCPU=$(nproc)
ALL_SCENARIOS="a d c b" # the anchor's run order (d right after a fresh start: its cache is cold)
EXTRA=${EXTRA-k l w}
CEILING=${CEILING:-1}
LOGIN_CONNS=${LOGIN_CONNS:-16} # a login is ~0.1 s of PBKDF2 CPU: 64 connections only queue
BENCH_PASSWORD='bench-Passw0rd!' # seed-passwords.sql

log() { echo "[bench] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

case "$RUNS" in '' | *[!0-9]* | 0) die "RUNS must be a positive integer, got '$RUNS'" ;; esac

# ---- state for cleanup ---------------------------------------------------------------------------
TMP=""
A="" # the writable copy of the anchors
STORES_STARTED=0
NODE_STARTED=0
NAAPD_PID=""
CHILD_PID="" # a bench/run.sh (+ wrk) running in its own session
NOTES=()

note() {
  NOTES+=("$*")
  log "note: $*"
}

kill_child() {
  local pid=$CHILD_PID
  [ -n "$pid" ] || return 0
  CHILD_PID=""
  kill -0 "$pid" 2>/dev/null || return 0
  # started with setsid: its process group is its pid (run.sh and its wrk)
  if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_naapd() { # SIGTERM by pid; naapd drains (KILL_TIMEOUT, 30 s by default); SIGKILL after 45 s
  local pid=$NAAPD_PID rc=0
  [ -n "$pid" ] || return 0
  NAAPD_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 450); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "naapd pid $pid still running 45 s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || rc=$?
  log "naapd (pid $pid) stopped, exit status $rc"
  return 0
}

stop_node_ref() {
  [ "$NODE_STARTED" = 1 ] || return 0
  NODE_STARTED=0
  "$A/node-ref/run.sh" stop >&2 || true
}

save_logs() { # $1 = tag (e.g. run1)
  local tag=$1
  [ -n "$TMP" ] || return 0
  mkdir -p "$OUTDIR/logs"
  for f in "${PM2_HOME:-/nonexistent}"/node-ref.out.log "${PM2_HOME:-/nonexistent}"/node-ref.err.log; do
    if [ -f "$f" ]; then mv "$f" "$OUTDIR/logs/$tag-$(basename "$f")"; fi
  done
  if [ -f "$TMP/naapd.err" ]; then mv "$TMP/naapd.err" "$OUTDIR/logs/$tag-naapd.err.log"; fi
  if [ -f "$TMP/naapd.out" ]; then
    # one JSON line per request: keep the size, the status counts, and everything but 2xx lines
    {
      echo "# naapd stdout: $(wc -l <"$TMP/naapd.out") lines, $(wc -c <"$TMP/naapd.out") bytes"
      echo "# request log status counts:"
      grep -o '"status":[0-9]*' "$TMP/naapd.out" | sort | uniq -c | sed 's/^/#   /' || true
      echo "# lines that are not 2xx request logs (first 2000):"
      grep -v '"status":2[0-9][0-9]' "$TMP/naapd.out" | head -n 2000 || true
    } >"$OUTDIR/logs/$tag-naapd.out.log"
    rm -f "$TMP/naapd.out"
  fi
  if compgen -G "$A/bench/out/raw/*.txt" >/dev/null; then
    mkdir -p "$OUTDIR/raw/$tag"
    mv "$A"/bench/out/raw/*.txt "$OUTDIR/raw/$tag/"
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  kill_child
  stop_naapd
  stop_node_ref
  [ -n "$A" ] && [ -x "$A/bench/ceiling.sh" ] && "$A/bench/ceiling.sh" stop 2>/dev/null
  [ -n "$TMP" ] && [ -d "$OUTDIR" ] && save_logs "exit"
  if [ "$STORES_STARTED" = 1 ]; then
    "$A/services.sh" stop
  fi
  [ -n "$TMP" ] && rm -rf "$TMP"
  [ "$rc" = 0 ] || log "failed (exit $rc); partial results, if any, in $OUTDIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools ---------------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
for t in node npm cmake psql git; do command -v "$t" >/dev/null || die "$t is not installed"; done
[ -d "$ANCHORS/bench/lists" ] || die "no anchors at $ANCHORS"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $PG_PORT $REDIS_PORT $PGB_PORT $NODE_PORT $NAAPD_PORT; do
  if port_busy "$p"; then
    die "127.0.0.1:$p is already in use. The bench starts (and stops) the anchor stores and both
       servers itself and will not share them. If these are leftovers of an earlier run, stop them:
       $ANCHORS/services.sh stop; PM2_HOME=/tmp/anchor-pm2 $ANCHORS/node-ref/run.sh stop"
  fi
done

# ---- naapd binary --------------------------------------------------------------------------------
GIT_DESC=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "${NAAPD:-}" ]; then
  [ -x "$NAAPD" ] || die "NAAPD=$NAAPD is not executable"
  MIGRATIONS=${MIGRATIONS_DIR:-$REPO/migrations}
  NAAPD_DESC="$NAAPD (prebuilt)"
else
  case "$NAAPD_SRC" in
    worktree)
      BUILD=$REPO/build-bench
      log "building naapd (Release) in $BUILD"
      cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
      cmake --build "$BUILD" -j"$NCPU" --target naapd >"$BUILD/bench-build.log" 2>&1 ||
        {
          tail -n 30 "$BUILD/bench-build.log" >&2
          die "the working tree does not build (log: $BUILD/bench-build.log); NAAPD_SRC=head builds the last commit"
        }
      NAAPD=$BUILD/naapd
      MIGRATIONS=$REPO/migrations
      dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | wc -l)
      NAAPD_DESC="working tree of $GIT_DESC ($dirty changed/untracked paths)"
      ;;
    head)
      sha=$(git -C "$REPO" rev-parse HEAD)
      SRC=$BENCH_CACHE/naapd-$sha
      if [ ! -x "$SRC/build-bench/naapd" ] || [ ! -f "$SRC/.built" ]; then
        log "building naapd (Release) from a clean export of HEAD ${sha:0:7} in $SRC"
        rm -rf "$SRC"
        mkdir -p "$SRC"
        git -C "$REPO" archive HEAD | tar -x -C "$SRC"
        cmake -S "$SRC" -B "$SRC/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
        cmake --build "$SRC/build-bench" -j"$NCPU" --target naapd >"$SRC/build.log" 2>&1 ||
          {
            tail -n 30 "$SRC/build.log" >&2
            die "HEAD does not build (log: $SRC/build.log)"
          }
        touch "$SRC/.built"
      fi
      NAAPD=$SRC/build-bench/naapd
      MIGRATIONS=$SRC/migrations
      NAAPD_DESC="HEAD ${sha:0:7} (clean export)"
      ;;
    *) die "NAAPD_SRC must be worktree or head" ;;
  esac
fi
NAAPD_VERSION=$("$NAAPD" version 2>&1 | head -n 1)
log "naapd: $NAAPD_DESC, $NAAPD_VERSION"

# ---- anchors copy, node_modules ------------------------------------------------------------------
TMP=$(mktemp -d /tmp/naapd-bench.XXXXXX)
A=$TMP/anchors
cp -r "$ANCHORS" "$A"
chmod -R u+w "$A"
rm -rf "$A/bench/out" "$A/node-ref/node_modules"
# the bench needs no nginx (that is the anchor's ceiling scenario): drop it from the copy's
# install check only, so services.sh does not apt-get it
sed -i 's@^\( *\)\[ -x /usr/sbin/nginx \] || need+=(nginx)@\1: # nginx: not needed by tests/bench@' "$A/services.sh"
export PM2_HOME=$TMP/pm2 # private PM2 daemon, stopped by node-ref/run.sh stop

lock_hash=$( (
  cat "$A/node-ref/package-lock.json"
  node -v
) | sha256sum | cut -c1-16)
NM_CACHE=$BENCH_CACHE/node-ref-$lock_hash
if [ ! -f "$NM_CACHE/.complete" ]; then
  log "npm ci for node-ref (cached in $NM_CACHE)"
  (cd "$A/node-ref" && npm ci --no-audit --no-fund --loglevel=error >&2)
  mkdir -p "$BENCH_CACHE"
  rm -rf "$NM_CACHE.tmp" "$NM_CACHE"
  mkdir -p "$NM_CACHE.tmp"
  cp -a "$A/node-ref/node_modules" "$NM_CACHE.tmp/"
  touch "$NM_CACHE.tmp/.complete"
  mv "$NM_CACHE.tmp" "$NM_CACHE"
else
  cp -a "$NM_CACHE/node_modules" "$A/node-ref/"
fi

mkdir -p "$OUTDIR"
log "results go to $OUTDIR"

# ---- data stores, schema, seed, migrations -------------------------------------------------------
STORES_STARTED=1 # from here on services.sh stop runs on exit (the ports were free: all ours)
eval "$("$A/services.sh" start)"
PSQL_ADMIN=(psql -h 127.0.0.1 -p "$PG_PORT" -U naap -d postgres -qAtX -v ON_ERROR_STOP=1)
# a fresh database every run: the anchor schema.sql only drops its own tables, and naapd's
# migration bookkeeping would otherwise survive from an earlier run
"${PSQL_ADMIN[@]}" -c 'DROP DATABASE IF EXISTS naap' -c 'CREATE DATABASE naap OWNER naap'
log "schema.sql + seed.sql"
psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -f "$A/schema.sql" -f "$A/seed.sql" >"$OUTDIR/seed.txt"
log "seed-passwords.sql + naapd-only request lists"
psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -f "$HERE/seed-passwords.sql" >>"$OUTDIR/seed.txt"
"$HERE/make-lists.sh" "$DATABASE_URL" "$TMP/lists" 2>>"$OUTDIR/seed.txt"
log "naapd migrate ($MIGRATIONS)"
DATABASE_URL=$DATABASE_URL MIGRATIONS_DIR=$MIGRATIONS "$NAAPD" migrate >"$OUTDIR/migrate.log" 2>&1 ||
  {
    tail -n 20 "$OUTDIR/migrate.log" >&2
    die "naapd migrate failed"
  }

# ---- start/stop helpers --------------------------------------------------------------------------
flush_redis() { redis-cli -p "$REDIS_PORT" flushall >/dev/null; }

JWT=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
naapd_env=(PORT="$NAAPD_PORT" HOST=127.0.0.1 DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL"
  WORKERS="$NCPU" NAAP_ENV=production JWT_SECRET="$JWT" MIGRATIONS_DIR="$MIGRATIONS"
  RATE_LIMIT_ENABLED="${RATE_LIMIT_ENABLED:-true}" RATE_LIMIT_STANDARD_POINTS=1000000000
  RATE_LIMIT_RELAXED_POINTS=1000000000 RATE_LIMIT_STRICT_POINTS=1000000000
  PG_PREPARED_STATEMENTS="${PG_PREPARED_STATEMENTS:-true}")
env "${naapd_env[@]}" "$NAAPD" check-config >"$OUTDIR/naapd-config.txt" 2>&1 ||
  {
    cat "$OUTDIR/naapd-config.txt" >&2
    die "naapd check-config refused the bench configuration"
  }

start_naapd() {
  flush_redis
  rm -f "$TMP/naapd.out" "$TMP/naapd.err"
  env "${naapd_env[@]}" setsid "$NAAPD" serve >"$TMP/naapd.out" 2>"$TMP/naapd.err" &
  NAAPD_PID=$!
  local code=000
  for _ in $(seq 150); do
    kill -0 "$NAAPD_PID" 2>/dev/null || {
      tail -n 20 "$TMP/naapd.err" >&2
      die "naapd exited during start"
    }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$NAAPD_PORT/healthz" || true)
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] || {
    tail -n 20 "$TMP/naapd.err" >&2
    die "naapd /healthz did not answer 200 within 30 s (last: $code)"
  }
  log "naapd up (pid $NAAPD_PID, $NCPU workers)"
}

start_node_ref() {
  flush_redis
  NODE_STARTED=1
  PORT=$NODE_PORT RL_POINTS=1000000000 DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL \
    "$A/node-ref/run.sh" start >/dev/null
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$NODE_PORT/healthz" || true)
  [ "$code" = 200 ] || die "node-ref /healthz answered $code"
  log "node-ref up (PM2 cluster x $NCPU)"
}

scen_list() { # id -> "list|accept-encoding"
  case "$1" in
    a) echo "healthz.txt|" ;;
    b) echo "marketplace.txt|gzip" ;;
    c) echo "myplugins-warm-2000.txt|gzip" ;;
    d) echo "myplugins-all.txt|gzip" ;;
    *) return 1 ;;
  esac
}

first_request_code() { # base id -> HTTP status of the scenario's first list entry
  local base=$1 list ae line path tok hdrs=()
  IFS='|' read -r list ae <<<"$(scen_list "$2")"
  line=$(grep -m1 -v '^#' "$A/bench/lists/$list")
  path=$(printf '%s' "$line" | cut -f1)
  tok=$(printf '%s' "$line" | cut -sf2)
  [ -n "$tok" ] && hdrs+=(-H "Authorization: Bearer $tok")
  [ -n "$ae" ] && hdrs+=(-H "Accept-Encoding: $ae")
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${hdrs[@]}" "$base$path" || echo 000
}

run_bench() { # base label out-tsv scenarios
  SCENARIOS=$4 OUT=$3 COLD_WAIT=0 setsid "$A/bench/run.sh" "$1" "$2" &
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  [ "$rc" = 0 ] || die "bench/run.sh $1 $2 exited $rc"
}

# ---- naapd-only scenarios, 1000 connections, ceiling, memory --------------------------------------
tsv_line() { # raw-file label conns -> the anchor's TSV line of a wrk run of login.lua/writes.lua
  local line sc rest
  line=$(grep '^TSV' "$1" | head -1 | cut -f2-)
  [ -n "$line" ] || line="failed"$'\t\t\t\t\t\t\t\t\t\t\t\t\tfailed'
  sc=$(printf '%s' "$line" | cut -f1)
  rest=$(printf '%s' "$line" | cut -f2-)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$sc" "$3" "$THREADS" "$rest" "-"
}

run_wrk_bg() { # raw-file wrk-args... : one bounded wrk run in its own session (killable on exit)
  local raw=$1
  shift
  setsid wrk "$@" >"$raw" 2>&1 &
  CHILD_PID=$!
  wait "$CHILD_PID" || true
  CHILD_PID=""
}

worker_pids() { ps -o pid= --ppid "$NAAPD_PID" 2>/dev/null | tr -d ' '; }

rss_sample() { # tag -> one line per naapd worker: VmRSS and VmHWM in kB
  local p
  for p in $(worker_pids); do
    printf '%s\tworker pid %s\t%s\t%s\n' "$1" "$p" \
      "$(awk '/^VmRSS/{print $2" kB rss"}' "/proc/$p/status" 2>/dev/null)" \
      "$(awk '/^VmHWM/{print $2" kB peak"}' "/proc/$p/status" 2>/dev/null)"
  done >>"$OUTDIR/rss.txt"
}

run_extra() { # base label out-tsv side(node|naapd)
  local base=$1 label=$2 out=$3 side=$4 s raw sampler=""
  mkdir -p "$OUTDIR/raw/extra"
  for s in $EXTRA; do
    raw=$OUTDIR/raw/extra/${label//#/_}-$s.txt
    case "$s" in
      k) # the anchor's scenario c (warm-up included) at 1000 connections, renamed
        [ "$side" = naapd ] && {
          rss_sample "$label idle"
          (sleep 12 && rss_sample "$label under 1000 connections (12 s into the warm-up + run)") &
          sampler=$!
        }
        CONNS=1000 run_bench "$base" "$label" "$TMP/k.tsv" c
        [ -n "$sampler" ] && wait "$sampler" 2>/dev/null
        tail -n 1 "$TMP/k.tsv" | sed 's/\tc_myplugins_warm\t/\tk_myplugins_warm_1000c\t/' >>"$out"
        ;;
      l)
        [ "$side" = naapd ] || continue
        LIST=$TMP/lists/login.txt PASSWORD=$BENCH_PASSWORD THREADS=$THREADS NAME=l_login \
          run_wrk_bg "$raw" -t"$THREADS" -c"$LOGIN_CONNS" -d"$DURATION" --timeout "${TIMEOUT:-10s}" \
          -s "$HERE/login.lua" "$base"
        tsv_line "$raw" "$label" "$LOGIN_CONNS" >>"$out"
        ;;
      w)
        [ "$side" = naapd ] || continue
        # afresh each run: an earlier run's installs must not be installed again
        "$HERE/make-lists.sh" "$DATABASE_URL" "$TMP/lists" 2>/dev/null
        READS=$A/bench/lists/myplugins-warm-2000.txt OPS=$TMP/lists/writes-ops.txt THREADS=$THREADS \
          NAME=w_write_mix run_wrk_bg "$raw" -t"$THREADS" -c"$CONNS" -d"$DURATION" \
          --timeout "${TIMEOUT:-10s}" -s "$HERE/writes.lua" "$base"
        tsv_line "$raw" "$label" "$CONNS" >>"$out"
        ;;
      *) die "unknown extra scenario '$s' (k l w)" ;;
    esac
    tail -n 1 "$out" >&2
  done
}

run_ceiling() { # k -> nginx e and e2 lines (the anchor's ceiling.sh, on :4200 while naapd is down)
  local out=$OUTDIR/ceiling.tsv
  SCENARIOS="e e2" OUT=$out COLD_WAIT=0 setsid "$A/bench/ceiling.sh" bench "nginx#$1" &
  CHILD_PID=$!
  wait "$CHILD_PID" || true
  CHILD_PID=""
}

# ---- which scenarios naapd serves ----------------------------------------------------------------
if [ -z "${SCENARIOS:-}" ] || [ "${SCENARIOS}" = auto ]; then
  wanted=$ALL_SCENARIOS
else
  for s in $SCENARIOS; do
    case " $ALL_SCENARIOS " in *" $s "*) ;; *) die "unknown scenario '$s' (naapd vs node-ref: a d c b)" ;; esac
  done
  wanted=""
  for s in $ALL_SCENARIOS; do
    case " $SCENARIOS " in *" $s "*) wanted="$wanted $s" ;; esac
  done
fi
log "precheck on naapd: ${wanted# }"
start_naapd
run_scen=""
for s in $wanted; do
  code=$(first_request_code "http://127.0.0.1:$NAAPD_PORT" "$s")
  case "$code" in
    404) note "scenario $s skipped: naapd answers 404 to its first request (route not served yet)" ;;
    000) die "naapd did not answer the precheck of scenario $s" ;;
    2??) run_scen="$run_scen $s" ;;
    *)
      run_scen="$run_scen $s"
      note "scenario $s: naapd precheck answered HTTP $code (run anyway)"
      ;;
  esac
done
stop_naapd
save_logs precheck
run_scen=${run_scen# }
[ -n "$run_scen" ] || die "none of the scenarios ($wanted) is served by naapd"
log "scenarios: $run_scen; runs: $RUNS; wrk -t$THREADS -c$CONNS -d$DURATION"

# ---- measure -------------------------------------------------------------------------------------
TSV_NODE=$OUTDIR/node-ref.tsv
TSV_NAAPD=$OUTDIR/naapd.tsv
LOADS=() # the box is shared: other work on it shows up here and in the figures
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
for k in $(seq "$RUNS"); do
  log "=== run $k/$RUNS: node-ref ==="
  start_node_ref
  l0=$(loadavg)
  run_bench "http://127.0.0.1:$NODE_PORT" "node-ref#$k" "$TSV_NODE" "$run_scen"
  run_extra "http://127.0.0.1:$NODE_PORT" "node-ref#$k" "$TSV_NODE" node
  LOADS+=("node-ref#$k: before $l0, after $(loadavg)")
  stop_node_ref
  log "=== run $k/$RUNS: naapd ==="
  start_naapd
  l0=$(loadavg)
  run_bench "http://127.0.0.1:$NAAPD_PORT" "naapd#$k" "$TSV_NAAPD" "$run_scen"
  run_extra "http://127.0.0.1:$NAAPD_PORT" "naapd#$k" "$TSV_NAAPD" naapd
  LOADS+=("naapd#$k: before $l0, after $(loadavg)")
  stop_naapd
  save_logs "run$k"
  if [ "$CEILING" = 1 ]; then
    log "=== run $k/$RUNS: nginx ceiling ==="
    l0=$(loadavg)
    run_ceiling "$k"
    LOADS+=("nginx#$k: before $l0, after $(loadavg)")
  fi
done

# ---- report --------------------------------------------------------------------------------------
{
  echo "# naapd vs node-ref  $STAMP  (tests/bench/run.sh)"
  echo "# machine: nproc=$NCPU cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')\" mem=$(free -g | awk '/Mem:/{print $2}')GiB kernel=$(uname -r)"
  echo "# naapd: $NAAPD_DESC; $NAAPD_VERSION; WORKERS=$NCPU RATE_LIMIT_ENABLED=${RATE_LIMIT_ENABLED:-true} (budgets 1e9) NAAP_ENV=production :$NAAPD_PORT"
  echo "# node-ref: node $(node -v), PM2 cluster instances=max ($NCPU), RL_POINTS=1e9 :$NODE_PORT"
  echo "# wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') -t$THREADS -c$CONNS -d$DURATION warmup=${WARMUP:-5s} timeout=${TIMEOUT:-10s}; wrk, both servers, PostgreSQL and Redis share the $NCPU cores"
  echo "# runs=$RUNS, scenarios=$run_scen; order per run: node-ref then naapd, each on a freshly flushed Redis"
  echo "# load average (1/5/15 min) before/after each measurement (includes the bench's own wrk, server, PG, Redis; other work on the box shows up here too):"
  for n in "${LOADS[@]}"; do echo "#   $n"; done
  for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "# note: $n"; done
} >"$OUTDIR/meta.txt"

# comparison.tsv: one row per (run, scenario), plus a mean row per scenario when RUNS > 1
awk -F'\t' -v OFS='\t' -v runs="$RUNS" '
  FNR == 1 { side = (FILENAME ~ /naapd\.tsv$/) ? "naapd" : "node" }
  /^#/ || $1 == "label" { next }
  {
    split($1, lr, "#"); k = lr[2]; sc = $2
    key = k SUBSEP sc
    rps[side, key] = $7; p50[side, key] = $8; p99[side, key] = $10
    n2[side, key] = $12; se[side, key] = $13; mode[side, key] = $16
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if (!(sc in sseen)) { sseen[sc] = 1; sorder[++ns] = sc }
  }
  function ratio(a, b) { return (a != "" && b != "" && a + 0 > 0) ? sprintf("%.2f", b / a) : "-" }
  END {
    print "run", "scenario", "node_rps", "naapd_rps", "ratio_naapd/node", "node_p50_ms", "node_p99_ms",
          "naapd_p50_ms", "naapd_p99_ms", "node_non2xx", "naapd_non2xx", "node_sock_err", "naapd_sock_err"
    for (i = 1; i <= n; i++) {
      key = order[i]; split(key, kk, SUBSEP)
      print kk[1], kk[2], rps["node", key], rps["naapd", key], ratio(rps["node", key], rps["naapd", key]),
            p50["node", key], p99["node", key], p50["naapd", key], p99["naapd", key],
            n2["node", key], n2["naapd", key], se["node", key], se["naapd", key]
      for (f = 1; f <= 2; f++) {
        s = (f == 1) ? "node" : "naapd"
        c = kk[2]; cnt[s, c]++
        sr[s, c] += rps[s, key]; s50[s, c] += p50[s, key]; s99[s, c] += p99[s, key]
        sn2[s, c] += n2[s, key]; sse[s, c] += se[s, key]
      }
    }
    if (runs > 1) for (j = 1; j <= ns; j++) {
      c = sorder[j]
      m1 = sr["node", c] / cnt["node", c]; m2 = sr["naapd", c] / cnt["naapd", c]
      print "mean", c, sprintf("%.0f", m1), sprintf("%.0f", m2), ratio(m1, m2),
            sprintf("%.2f", s50["node", c] / cnt["node", c]), sprintf("%.2f", s99["node", c] / cnt["node", c]),
            sprintf("%.2f", s50["naapd", c] / cnt["naapd", c]), sprintf("%.2f", s99["naapd", c] / cnt["naapd", c]),
            sn2["node", c], sn2["naapd", c], sse["node", c], sse["naapd", c]
    }
  }' "$TSV_NODE" "$TSV_NAAPD" >"$OUTDIR/comparison.tsv"

# naapd's marketplace (b) against the nginx ceiling of the same run: e2 serves the same body
# precompressed (the bare cost of shipping it), e gzips it on the fly at level 6
if [ -s "$OUTDIR/ceiling.tsv" ]; then
  awk -F'\t' -v OFS='\t' '
    FNR == 1 { f++ }
    /^#/ || $1 == "label" { next }
    f == 1 && $2 == "b_marketplace_gzip" { split($1, a, "#"); b[a[2]] = $7 }
    f == 2 { split($1, a, "#"); c[a[2], $2] = $7; if (!(a[2] in seen)) { seen[a[2]] = 1; o[++n] = a[2] } }
    END {
      print "run", "naapd_b_rps", "nginx_e_gzip6_rps", "nginx_e2_gzip_static_rps", "naapd_b/e2"
      for (i = 1; i <= n; i++) { k = o[i]; e2 = c[k, "e2_ceiling_gzip_static"]
        print k, b[k], c[k, "e_ceiling_gzip6"], e2, (b[k] != "" && e2 + 0 > 0) ? sprintf("%.2f", b[k] / e2) : "-" }
    }' "$TSV_NAAPD" "$OUTDIR/ceiling.tsv" >"$OUTDIR/ceiling-comparison.tsv"
fi

{
  echo
  cat "$OUTDIR/meta.txt"
  echo
  column -t -s $'\t' "$OUTDIR/comparison.tsv"
  echo
  if [ -s "$OUTDIR/ceiling-comparison.tsv" ]; then
    column -t -s $'\t' "$OUTDIR/ceiling-comparison.tsv"
    echo
  fi
  if [ -s "$OUTDIR/rss.txt" ]; then
    cat "$OUTDIR/rss.txt"
    echo
  fi
} >&2

# flag anything that makes the comparison suspect
awk -F'\t' 'NR > 1 && $1 != "mean" && ($10 + $11 + $12 + $13 > 0 || $4 == "") {
  printf "[bench] WARNING: run %s %s: non2xx node/naapd %s/%s, socket errors node/naapd %s/%s%s\n",
    $1, $2, $10, $11, $12, $13, ($3 == "" || $4 == "") ? " (a side produced no result)" : "" }' \
  "$OUTDIR/comparison.tsv" >&2
grep -l '"level":"\(error\|fatal\)"' "$OUTDIR"/logs/*naapd.err.log 2>/dev/null |
  sed 's/^/[bench] WARNING: naapd logged errors: /' >&2 || true
log "wrote $OUTDIR/{comparison,node-ref,naapd}.tsv, raw/, logs/"
