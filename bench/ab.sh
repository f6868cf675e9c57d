#!/usr/bin/env bash
# Compares two replichat binaries side by side (A/B interleaved runs, one PostgreSQL
# database each, created fresh): pulls at 10,000 messages under both strategies (with and
# without the version moving), pushes at C=8/32 and B=1/10, and pokes. For checking that
# a change costs nothing: build the commit before it, keep its binary, build the change.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY          # ~15 min on 2 cores
#   RUNS=5 ONLY="push" bench/ab.sh A B         # a subset: pull reset push poke
#
# A = the first binary, B = the second: the B/A column reads "× old" (latencies: < 1 is
# better). Starts nothing on a port that is in use; stops and drops what it started.
set -euo pipefail

[[ $# == 2 && -x $1 && -x $2 ]] || { echo "usage: bench/ab.sh OLD_BINARY NEW_BINARY" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_A=$(realpath "$1")
BIN_B=$(realpath "$2")
PORT_A=${PORT_A:-18300}
PORT_B=${PORT_B:-18301}
RUNS=${RUNS:-3}
PUSH_SECONDS=${PUSH_SECONDS:-10}
PULL_SECONDS=${PULL_SECONDS:-5}
ONLY=${ONLY:-pull reset push poke}
OUT=${OUT:-$ROOT/target/bench-results/ab-$(date +%Y%m%d-%H%M%S)}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
BENCH=$ROOT/target/release/replichat-bench
STARTED=()
DATABASES=()

cleanup() {
  set +e
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  for db in "${DATABASES[@]}"; do dropdb --if-exists --force "$db" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

# start BINARY PORT STRATEGY NAME: a fresh database and a server on it (release profile).
start() {
  local db=replichat_ab_$2
  if port_busy "$2"; then echo "ab.sh: port $2 is in use; not starting" >&2; exit 1; fi
  dropdb --if-exists --force "$db"
  createdb "$db"
  DATABASES+=("$db")
  (cd "$ROOT" && ROCKET_PROFILE=release ROCKET_PULL_STRATEGY=$3 ROCKET_PORT=$2 \
    ROCKET_ADDRESS=127.0.0.1 ROCKET_REQUEST_LOG=false DATABASE_URL="postgres://root@$PGHOST:$PGPORT/$db" \
    exec "$1" >"$OUT/$4.log" 2>&1) &
  STARTED+=("$!")
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "ab.sh: $4 did not become healthy" >&2
  exit 1
}

stop_all() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  STARTED=()
}

cd "$ROOT"
cargo build --release -p replichat-bench
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || true
echo "results: $OUT; A = $BIN_A, B = $BIN_B; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
AB=(--url "http://127.0.0.1:$PORT_A" --name old --compare "http://127.0.0.1:$PORT_B" --compare-name new --runs "$RUNS")
STATUS=0
REPORTS=()
bench() {
  "$BENCH" "$@" || STATUS=1
  [[ -f ${*: -1} ]] && REPORTS+=("${*: -1}")
  return 0
}

if wants reset; then
  start "$BIN_A" "$PORT_A" reset old-reset
  start "$BIN_B" "$PORT_B" reset new-reset
  bench pull "${AB[@]}" --messages 10000 --clients 8 --seconds "$PULL_SECONDS" --cookie null \
    --strategy-note "reset" --json "$OUT/pull-reset-10000.json"
  bench pull "${AB[@]}" --messages 10000 --clients 8 --seconds "$PULL_SECONDS" --cookie null \
    --churn-ms 20 --strategy-note "reset, version moving" --json "$OUT/pull-reset-10000-churn.json"
  stop_all
fi
start "$BIN_A" "$PORT_A" version old
start "$BIN_B" "$PORT_B" version new
if wants pull; then
  bench pull "${AB[@]}" --messages 10000 --clients 8 --seconds "$PULL_SECONDS" \
    --strategy-note "version" --json "$OUT/pull-version-10000.json"
fi
if wants push; then
  for cb in "8 1" "8 10" "32 1"; do
    set -- $cb
    bench push "${AB[@]}" --clients "$1" --batch "$2" --seconds "$PUSH_SECONDS" \
      --json "$OUT/push-c$1-b$2.json"
  done
fi
if wants poke; then
  bench poke "${AB[@]}" --subscribers 50 --json "$OUT/poke-s50.json"
fi

echo
echo "== summary (A = old, B = new; B/A = × old; medians of $RUNS runs)"
"$BENCH" table "${REPORTS[@]}" | tee "$OUT/summary.txt" || STATUS=1
exit $STATUS
