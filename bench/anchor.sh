#!/usr/bin/env bash
# Prepares and runs the performance anchor (the BYOB tutorial backend on Node) for benchmarks.
#
#   bench/anchor.sh start [PORT]   copy + npm ci (once), fresh database, start, wait for /healthz;
#                                  prints the server's PID on stdout
#   bench/anchor.sh stop           stop the anchor this script started, drop its database
#
# Environment: ANCHOR_SRC (default /work/shared/anchor/byob-node), ANCHOR_DIR (work copy,
# default /tmp/replichat-anchor), ANCHOR_DB (default anchor_bench_<PORT>), PGHOST/PGPORT
# (default 127.0.0.1:5432), ANCHOR_TX_TRIES (default 1000: retries until it commits).
set -euo pipefail

SRC=${ANCHOR_SRC:-/work/shared/anchor/byob-node}
DIR=${ANCHOR_DIR:-/tmp/replichat-anchor}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
export PGHOST PGPORT
PIDFILE="$DIR/anchor.pid"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local port=${1:-19101}
  local db=${ANCHOR_DB:-anchor_bench_$port}
  if port_busy "$port"; then
    echo "anchor.sh: port $port is already in use; not starting" >&2
    exit 1
  fi
  if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "anchor.sh: an anchor started from $DIR is already running (pid $(cat "$PIDFILE"))" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  if [[ ! -d $DIR/node_modules ]] || ! cmp -s "$SRC/package-lock.json" "$DIR/package-lock.json"; then
    cp "$SRC/package.json" "$SRC/package-lock.json" "$DIR/"
    (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  cp "$SRC/server.js" "$DIR/"
  dropdb --if-exists --force "$db" >&2
  createdb "$db"
  echo "$db" >"$DIR/anchor.db"
  (
    cd "$DIR"
    NODE_ENV=production PORT=$port HOST=127.0.0.1 ANCHOR_RESET=1 \
      ANCHOR_TX_TRIES=${ANCHOR_TX_TRIES:-1000} \
      DATABASE_URL="postgres://root@$PGHOST:$PGPORT/$db" \
      exec node server.js >"$DIR/anchor.log" 2>&1
  ) &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      echo "$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "anchor.sh: anchor did not become healthy; log:" >&2
  cat "$DIR/anchor.log" >&2
  stop
  exit 1
}

stop() {
  if [[ -f $PIDFILE ]]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"
  fi
  if [[ -f $DIR/anchor.db ]]; then
    dropdb --if-exists --force "$(cat "$DIR/anchor.db")" >&2 || true
    rm -f "$DIR/anchor.db"
  fi
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop ;;
  *) echo "usage: $0 start [PORT] | stop" >&2; exit 2 ;;
esac
