#!/usr/bin/env bash
# Private PostgreSQL 15 and Redis for developing and testing naapd.
#
#   deploy/local/services.sh start   [STATE_DIR]   start both (idempotent); prints, on stdout,
#                                                   eval-able `export DATABASE_URL=…` and
#                                                   `export REDIS_URL=…` lines
#   deploy/local/services.sh stop    [STATE_DIR]   stop both, by pid (pg_ctl -m fast; redis pidfile)
#   deploy/local/services.sh status  [STATE_DIR]   say what runs (exit 0 only if both run)
#   deploy/local/services.sh env     [STATE_DIR]   print the export lines only
#   deploy/local/services.sh start-pg|stop-pg|start-redis|stop-redis [STATE_DIR]
#                                                   one store only (fault tests)
#   deploy/local/services.sh destroy [STATE_DIR]   stop, then delete all state
#
# STATE_DIR defaults to <project>/.state. Everything listens on 127.0.0.1 only and never
# on a Unix socket (socket paths have a 107-byte limit that a deep STATE_DIR can exceed).
# The system postgresql/redis-server services are never touched.
#
# Environment:
#   PG_PORT (5433), REDIS_PORT (6380)  ports; remembered in STATE_DIR/ports.env so that
#                                      later `env`/`status` calls without them agree
#   PG_FSYNC (on)                      `off` trades crash safety for speed (tests)
#   REDIS_DATABASES (16)               number of Redis logical databases
#
# PostgreSQL: trust authentication on loopback, superuser role `naap`, database `naap`.
# initdb and postgres refuse to run as root, so under root they run as the `postgres` OS
# user, which must be able to reach the data directory. The data directory is
# STATE_DIR/pg when `postgres` can write there; otherwise (the project lives in a
# directory only root can traverse, e.g. under a `mktemp -d`) it is
# /tmp/naapd-pg-<hash of STATE_DIR's real path>, owned by postgres, mode 0700. Either
# way its path is recorded in STATE_DIR/pg_root, which every later call reads, and
# `destroy` removes it. Nothing is stopped by name: only by pg_ctl and pid files.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin

CMD=${1:-}
STATE_DIR=${2:-$PROJECT/.state}

log() { echo "[services] $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- state dir, ports, users -------------------------------------------------------

init_state() {
  mkdir -p "$STATE_DIR"
  STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
  REDIS_DIR=$STATE_DIR/redis
  REDIS_PIDFILE=$REDIS_DIR/redis.pid
  # Precedence: explicit env, then what the last start recorded, then the defaults.
  local rec_pg="" rec_redis=""
  if [ -f "$STATE_DIR/ports.env" ]; then
    rec_pg=$(sed -n 's/^PG_PORT=//p' "$STATE_DIR/ports.env")
    rec_redis=$(sed -n 's/^REDIS_PORT=//p' "$STATE_DIR/ports.env")
  fi
  PG_PORT=${PG_PORT:-${rec_pg:-5433}}
  REDIS_PORT=${REDIS_PORT:-${rec_redis:-6380}}
  if [ "$(id -u)" -eq 0 ]; then
    PG_OS_USER=postgres
    getent passwd postgres >/dev/null || die "no 'postgres' OS user (run deploy/local/install-deps.sh)"
  else
    PG_OS_USER=$(id -un)
  fi
  PG_ROOT=""
  [ -f "$STATE_DIR/pg_root" ] && PG_ROOT=$(cat "$STATE_DIR/pg_root")
  set_pg_paths
}

set_pg_paths() {
  PGDATA=${PG_ROOT:+$PG_ROOT/data}
  PG_LOG=${PG_ROOT:+$PG_ROOT/postgres.log}
}

record_ports() {
  printf 'PG_PORT=%s\nREDIS_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" >"$STATE_DIR/ports.env"
}

# Run a PostgreSQL server binary as the OS user that owns the cluster. `cd /` first:
# the caller's cwd may be unreadable for postgres, and initdb/pg_ctl complain about it.
as_pg() {
  if [ "$(id -un)" = "$PG_OS_USER" ]; then
    (cd / && "$@")
  else
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  fi
}

# Decide, once, where the cluster lives (see the header) and record it.
choose_pg_root() {
  # A recorded root that vanished (say /tmp was cleaned at boot) is chosen afresh.
  [ -n "$PG_ROOT" ] && [ -d "$PG_ROOT" ] && return
  local cand=$STATE_DIR/pg
  mkdir -p "$cand"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$PG_OS_USER": "$cand"
    chmod 700 "$cand"
    if ! runuser -u "$PG_OS_USER" -- test -w "$cand" 2>/dev/null; then
      rmdir "$cand"
      cand=/tmp/naapd-pg-$(printf '%s' "$STATE_DIR" | sha1sum | cut -c1-16)
      log "postgres cannot reach $STATE_DIR; cluster goes to $cand"
      [ -L "$cand" ] && die "$cand is a symlink; refusing"
      if [ -e "$cand" ]; then
        # Left by an earlier STATE_DIR at this path that was deleted without `destroy`:
        # nothing records it any more, so stop whatever runs there and start clean.
        log "removing stale $cand"
        if [ -f "$cand/data/postmaster.pid" ]; then
          as_pg "$PGBIN/pg_ctl" -D "$cand/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$cand"
      fi
      mkdir -m 700 "$cand"
      chown "$PG_OS_USER": "$cand"
      chmod 700 "$cand"
    fi
  fi
  PG_ROOT=$cand
  printf '%s\n' "$PG_ROOT" >"$STATE_DIR/pg_root"
  set_pg_paths
}

# A pid is alive if it exists and is not a zombie: daemons are reparented to pid 1,
# which may reap them late, and kill -0 succeeds on a zombie.
alive() {
  local st
  st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# ---- PostgreSQL ----------------------------------------------------------------------

pg_running() {
  [ -n "$PG_ROOT" ] && [ -f "$PGDATA/postmaster.pid" ] &&
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_init() {
  [ -f "$PGDATA/PG_VERSION" ] && return
  log "initdb $PGDATA"
  [ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb missing (run deploy/local/install-deps.sh)"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PG_ROOT/initdb.log" 2>&1 || { cat "$PG_ROOT/initdb.log" >&2; die "initdb failed"; }
  as_pg tee "$PGDATA/pg_hba.conf" >/dev/null <<'EOF'
# naapd local cluster: TCP on loopback only, trust (see deploy/local/services.sh)
host    all  all  127.0.0.1/32   trust
host    all  all  ::1/128        trust
EOF
  as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null <<'EOF'

# ---- naapd local settings (deploy/local/services.sh) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
shared_buffers = 128MB
log_min_messages = warning
logging_collector = off
# rewritten by every start: port, fsync
include_if_exists = 'naapd_runtime.conf'
EOF
}

start_pg() {
  choose_pg_root
  pg_init
  if pg_running; then
    log "postgres already running ($PGDATA)"
  else
    local fsync=${PG_FSYNC:-on}
    as_pg tee "$PGDATA/naapd_runtime.conf" >/dev/null <<EOF
port = $PG_PORT
fsync = $fsync
synchronous_commit = $fsync
full_page_writes = $fsync
# statement counts for tests that prove a read costs one query (tests/api/test_team_plugins.py)
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
    log "starting postgres on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start >/dev/null 2>&1; then
      tail -n 20 "$PG_LOG" >&2 || true
      die "postgres did not start (port $PG_PORT in use?)"
    fi
  fi
  # The running server's port wins over PG_PORT: it is what clients must use.
  PG_PORT=$(sed -n '4p' "$PGDATA/postmaster.pid")
  # Role and database, idempotently (\gexec runs the generated statement only if any).
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
SELECT 'CREATE ROLE naap LOGIN SUPERUSER' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'naap')\gexec
SELECT 'CREATE DATABASE naap OWNER naap' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'naap')\gexec
EOF
}

stop_pg() {
  if ! pg_running; then
    log "postgres not running"
    return 0
  fi
  log "stopping postgres (pg_ctl stop -m fast)"
  if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
    return 0
  fi
  # Last resort, still by pid: SIGQUIT is postgres' immediate shutdown, then SIGKILL.
  local pid
  pid=$(head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  log "pg_ctl stop failed; SIGQUIT to postmaster $pid"
  kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# ---- Redis ---------------------------------------------------------------------------

redis_pid() {
  local pid
  [ -f "$REDIS_PIDFILE" ] || return 1
  pid=$(cat "$REDIS_PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  # Guard against pid reuse after a reboot or crash: it must be a redis-server.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server || return 1
  echo "$pid"
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  if redis_pid >/dev/null; then
    # The running server's port wins over REDIS_PORT: it is what clients must use.
    REDIS_PORT=$(sed -n 's/^REDIS_PORT=//p' "$STATE_DIR/ports.env" 2>/dev/null || true)
    REDIS_PORT=${REDIS_PORT:-6380}
    log "redis already running (pid $(redis_pid), port $REDIS_PORT)"
  else
    command -v redis-server >/dev/null || die "redis-server missing (run deploy/local/install-deps.sh)"
    rm -f "$REDIS_PIDFILE"
    log "starting redis on 127.0.0.1:$REDIS_PORT (no persistence)"
    # stdio to the log: nothing may keep the caller's pipes open (ctest waits for EOF).
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
      --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_DIR/redis.log" \
      --dir "$REDIS_DIR" --databases "${REDIS_DATABASES:-16}" \
      </dev/null >>"$REDIS_DIR/redis.out" 2>&1 || true
    local ok=""
    for _ in $(seq 100); do
      if redis_pid >/dev/null && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        ok=1
        break
      fi
      sleep 0.05
    done
    [ -n "$ok" ] || { tail -n 20 "$REDIS_DIR/redis.out" "$REDIS_DIR/redis.log" >&2 || true; die "redis did not start (port $REDIS_PORT in use?)"; }
  fi
}

stop_redis() {
  local pid
  if ! pid=$(redis_pid); then
    log "redis not running"
    return 0
  fi
  log "stopping redis (SIGTERM to pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
  log "redis $pid ignored SIGTERM for 10 s; SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# ---- commands ------------------------------------------------------------------------

print_env() {
  echo "export DATABASE_URL=postgresql://naap@127.0.0.1:$PG_PORT/naap"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

status() {
  local rc=0 pid
  if pg_running; then
    echo "postgres: running on 127.0.0.1:$(sed -n '4p' "$PGDATA/postmaster.pid") (pid $(head -n 1 "$PGDATA/postmaster.pid"), data $PGDATA)"
  else
    echo "postgres: stopped"; rc=3
  fi
  if pid=$(redis_pid); then
    echo "redis:    running on 127.0.0.1:$REDIS_PORT (pid $pid)"
  else
    echo "redis:    stopped"; rc=3
  fi
  return $rc
}

destroy() {
  stop_redis
  stop_pg
  if [ -n "$PG_ROOT" ] && [ "$PG_ROOT" != "$STATE_DIR/pg" ]; then
    log "removing $PG_ROOT"
    rm -rf "$PG_ROOT"
  fi
  log "removing $STATE_DIR"
  rm -rf "$STATE_DIR"
}

case "$CMD" in
  start)       init_state; start_pg; start_redis; record_ports; print_env ;;
  start-pg)    init_state; start_pg; record_ports ;;
  start-redis) init_state; start_redis; record_ports ;;
  stop)        init_state; stop_redis; stop_pg ;;
  stop-pg)     init_state; stop_pg ;;
  stop-redis)  init_state; stop_redis ;;
  status)      init_state; status ;;
  env)         init_state; print_env ;;
  destroy)     init_state; destroy ;;
  *)
    echo "usage: $0 {start|stop|status|env|start-pg|stop-pg|start-redis|stop-redis|destroy} [STATE_DIR]" >&2
    exit 2
    ;;
esac
