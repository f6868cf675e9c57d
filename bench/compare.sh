#!/usr/bin/env bash
# Runs the benchmark matrix of issue 4: replichat (release build, fresh PostgreSQL database)
# side by side with the anchor (ANCHOR_TX_TRIES=1000), A/B interleaved, then replichat on a
# fresh SQLite file, then the idle-SSE memory test; prints one table at the end.
#
#   bench/compare.sh                       # full matrix (~30 min on 2 cores)
#   RUNS=3 PUSH_SECONDS=10 PULL_SECONDS=5 OUT=/tmp/results bench/compare.sh
#   ONLY="push poke" bench/compare.sh      # a subset: pull churn scale push poke scaleout sqlite idle
#   PULL_STRATEGY=reset bench/compare.sh   # replichat's pull_strategy (default: version)
#
# A = anchor, B = replichat, so the B/A column reads "× anchor" (for latencies, < 1 is better).
# Starts nothing on a port that is in use; stops and drops everything it started (trap).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PG_PORT=${RC_PORT:-18200}
SQLITE_PORT=${SQLITE_PORT:-18201}
SMALL_PORT=${SMALL_PORT:-18202}
ANCHOR_PORT=${ANCHOR_PORT:-19101}
RUNS=${RUNS:-3}
PUSH_SECONDS=${PUSH_SECONDS:-10}
PULL_SECONDS=${PULL_SECONDS:-5}
ONLY=${ONLY:-pull churn scale push poke scaleout sqlite idle}
CHURN_MS=${CHURN_MS:-20}
OUT=${OUT:-$ROOT/target/bench-results/$(date +%Y%m%d-%H%M%S)}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
PG_DB=replichat_bench_$PG_PORT
SMALL_DB=replichat_bench_$SMALL_PORT
SQLITE_DIR=$(mktemp -d /tmp/replichat-bench-sqlite.XXXXXX)
BENCH=$ROOT/target/release/replichat-bench
SERVER=$ROOT/target/release/replichat
STARTED=()
ANCHOR_STARTED=

cleanup() {
  set +e
  for pid in "${STARTED[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [[ -n $ANCHOR_STARTED ]] && "$ROOT/bench/anchor.sh" stop
  dropdb --if-exists --force "$PG_DB" 2>/dev/null
  dropdb --if-exists --force "$SMALL_DB" 2>/dev/null
  rm -rf "$SQLITE_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

wait_healthy() {
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "compare.sh: server on port $1 did not become healthy" >&2
  return 1
}

# start_replichat PORT DATABASE_URL LOG -> sets LAST_PID
start_replichat() {
  if port_busy "$1"; then echo "compare.sh: port $1 is in use; not starting" >&2; exit 1; fi
  (cd "$ROOT" && ROCKET_PULL_STRATEGY=${PULL_STRATEGY:-version} ROCKET_PORT=$1 ROCKET_ADDRESS=127.0.0.1 DATABASE_URL=$2 exec "$SERVER" >"$3" 2>&1) &
  LAST_PID=$!
  STARTED+=("$LAST_PID")
  wait_healthy "$1"
}

# stop_started PID: stops one server this script started and forgets it.
stop_started() {
  kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
  local keep=() pid
  for pid in "${STARTED[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  STARTED=("${keep[@]}")
}

cd "$ROOT"
cargo build --release -p replichat -p replichat-bench
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || true
echo "results: $OUT; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

PG_URL=http://127.0.0.1:$PG_PORT
ANCHOR_URL=http://127.0.0.1:$ANCHOR_PORT
if wants pull || wants churn || wants scale || wants push || wants poke || wants idle || wants scaleout; then
  dropdb --if-exists --force "$PG_DB"
  createdb "$PG_DB"
  start_replichat "$PG_PORT" "postgres://root@$PGHOST:$PGPORT/$PG_DB" "$OUT/replichat-pg.log"
  PG_PID=$LAST_PID
  ANCHOR_PID=$("$ROOT/bench/anchor.sh" start "$ANCHOR_PORT")
  ANCHOR_STARTED=1
fi
AB=(--url "$ANCHOR_URL" --name anchor --compare "$PG_URL" --compare-name replichat --runs "$RUNS")
STATUS=0
REPORTS=()
# bench ARGS... --json FILE (last): runs one workload and remembers its report for the table.
bench() {
  "$BENCH" "$@" || STATUS=1
  [[ -f ${*: -1} ]] && REPORTS+=("${*: -1}")
  return 0
}

# Pulls first, on small databases, with M growing (the preload only tops up).
# churn: at 10,000 messages, null-cookie pulls while another client moves the version
# every CHURN_MS (a no-op mutation), so replichat's rendered full view keeps going stale.
NOTE="anchor: reset (cookie = clock); replichat: ${PULL_STRATEGY:-version}"
for m in 1000 10000 50000; do
  if wants pull; then
    bench pull "${AB[@]}" --messages "$m" --clients 8 --seconds "$PULL_SECONDS" \
      --strategy-note "$NOTE" --json "$OUT/pull-$m.json"
  fi
  if wants churn && [[ $m == 10000 ]]; then
    bench pull "${AB[@]}" --messages "$m" --clients 8 --seconds "$PULL_SECONDS" --cookie null \
      --churn-ms "$CHURN_MS" --strategy-note "$NOTE" --json "$OUT/pull-$m-churn.json"
  fi
done
# Nothing-changed pulls at 1,000 vs 50,000 messages: a second replichat on its own database,
# interleaved with the first (which holds 50,000 after the pulls above); B/A = 50k / 1k.
if wants scale; then
  dropdb --if-exists --force "$SMALL_DB"
  createdb "$SMALL_DB"
  start_replichat "$SMALL_PORT" "postgres://root@$PGHOST:$PGPORT/$SMALL_DB" "$OUT/replichat-small.log"
  bench pull --url "http://127.0.0.1:$SMALL_PORT" --name replichat-1k --messages 1000 \
    --compare "$PG_URL" --compare-name replichat-50k --compare-messages 50000 --cookie last \
    --clients 8 --seconds "$PULL_SECONDS" --runs "$RUNS" --json "$OUT/pull-scale.json"
  stop_started "$LAST_PID"
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
if wants scaleout; then
  # Pokes across processes: two more replichat processes on the same database; 1,000
  # subscribers spread over the three, pushes acknowledged by the first.
  SUBSCRIBE=(--subscribe-url "$PG_URL")
  for port in $((PG_PORT + 10)) $((PG_PORT + 11)); do
    start_replichat "$port" "postgres://root@$PGHOST:$PGPORT/$PG_DB" "$OUT/replichat-pg-$port.log"
    SUBSCRIBE+=(--subscribe-url "http://127.0.0.1:$port")
  done
  bench poke --url "$PG_URL" --name replichat-3proc --runs "$RUNS" --subscribers 1000 \
    "${SUBSCRIBE[@]}" --json "$OUT/poke-3proc-s1000.json"
fi
if wants idle; then
  bench sse-idle --url "$PG_URL" --name replichat --server-pid "$PG_PID" --connections 1000 \
    --json "$OUT/sse-idle-replichat.json"
  bench sse-idle --url "$ANCHOR_URL" --name anchor --server-pid "$ANCHOR_PID" --connections 1000 \
    --max-added-mib 1000000 --json "$OUT/sse-idle-anchor.json"
fi
if wants sqlite; then
  start_replichat "$SQLITE_PORT" "$SQLITE_DIR/replichat.db" "$OUT/replichat-sqlite.log"
  bench push --url "http://127.0.0.1:$SQLITE_PORT" --name replichat-sqlite --runs "$RUNS" \
    --clients 8 --batch 1 --seconds "$PUSH_SECONDS" --json "$OUT/push-sqlite-c8-b1.json"
fi

echo
echo "== summary (A = anchor, B = replichat; B/A = x anchor; medians of $RUNS runs)"
"$BENCH" table "${REPORTS[@]}" | tee "$OUT/summary.txt" || STATUS=1
exit $STATUS
