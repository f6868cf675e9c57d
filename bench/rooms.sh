#!/usr/bin/env bash
# The rooms workloads (issue 12 item 9) on PostgreSQL, every server with ROCKET_AUTH=jwt on a
# fresh database of its own, A/B interleaved where two servers are compared:
#   pull   rooms-pull current + one-new: A = big (1,000 rooms, 100,000 messages, 1,000 users)
#          vs B = small (1 room, 1,000 messages); message rows read per pull from
#          pg_stat_user_tables of both databases
#   reset  rooms-pull reset (null cookie, version strategy): A = big vs B = mine (only the
#          measured user's 105 rooms, the same view entry for entry), also with the version
#          moving (churn 20 ms)
#   join   rooms-join: a user joins a room of 10,000 messages, in big (A) and small (B)
#   push   push C=8/32 B=1 over 100 public rooms, one user per client: A = PRE_ROOMS_BINARY
#          (if given) vs B = BINARY, so B/A reads "x pre-rooms"
#   poke   rooms-poke: 1,000 streams of 1,000 users over 100 private rooms, one process
#   poke3  the same with the streams spread over three processes on one database
#
#   bench/rooms.sh BINARY [PRE_ROOMS_BINARY]      # ~15 min on 2 cores
#   RUNS=5 ONLY="pull reset" bench/rooms.sh target/release/replichat
#   SHAPE_BIG=rooms=50,messages=2000,users=50 SHAPE_SMALL=small,messages=200 \
#     JOIN_MESSAGES=500 STREAMS=100 POKE_ROOMS=10 bench/rooms.sh BIN     # a quick trial
#
# Databases are seeded, then VACUUM ANALYZEd (fresh planner statistics, no autovacuum
# running during the measurements). Starts nothing on a port that is in use; stops and
# drops what it started. Results (JSON, logs, summary.txt) in $OUT.
set -euo pipefail

usage() { echo "usage: bench/rooms.sh BINARY [PRE_ROOMS_BINARY]" >&2; exit 2; }
[[ $# == 1 || $# == 2 ]] || usage
[[ -x $1 ]] || usage
[[ $# == 1 || -x $2 ]] || usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "$1")
PRE=${2:+$(realpath "$2")}
PORT_BASE=${PORT_BASE:-18310}
RUNS=${RUNS:-3}
PULL_SECONDS=${PULL_SECONDS:-5}
PUSH_SECONDS=${PUSH_SECONDS:-10}
ONLY=${ONLY:-pull reset join push poke poke3}
SHAPE_BIG=${SHAPE_BIG:-big}
SHAPE_SMALL=${SHAPE_SMALL:-small}
JOIN_MESSAGES=${JOIN_MESSAGES:-10000}
STREAMS=${STREAMS:-1000}
POKE_ROOMS=${POKE_ROOMS:-100}
DB_PREFIX=${DB_PREFIX:-replichat_rooms_}
OUT=${OUT:-$ROOT/target/bench-results/rooms-$(date +%Y%m%d-%H%M%S)}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
# The servers' HS256 secret; the load generator signs every user's token with it.
SECRET=${JWT_SECRET:-rooms-bench-$RANDOM$RANDOM$RANDOM}
BENCH=${BENCH:-}
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
url() { echo "http://127.0.0.1:$1"; }
db_url() { echo "postgres://root@$PGHOST:$PGPORT/$DB_PREFIX$1"; }

# fresh_db NAME: (re)creates database $DB_PREFIX$NAME, dropped again on exit.
fresh_db() {
  local db=$DB_PREFIX$1
  dropdb --if-exists --force "$db"
  createdb "$db"
  DATABASES+=("$db")
}

# start BINARY PORT DB_NAME LOG_NAME: a server on an existing database, once healthy.
start() {
  if port_busy "$2"; then echo "rooms.sh: port $2 is in use; not starting" >&2; exit 1; fi
  (cd "$ROOT" && ROCKET_PROFILE=release ROCKET_AUTH=jwt ROCKET_JWT_SECRET=$SECRET \
    ROCKET_PULL_STRATEGY=version ROCKET_PORT=$2 ROCKET_ADDRESS=127.0.0.1 ROCKET_REQUEST_LOG=false \
    DATABASE_URL="$(db_url "$3")" exec "$1" >"$OUT/$4.log" 2>&1) &
  STARTED+=("$!")
  for _ in $(seq 1 300); do
    curl -fsS "$(url "$2")/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "rooms.sh: $4 did not become healthy (see $OUT/$4.log)" >&2
  exit 1
}

stop_all() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  STARTED=()
}

# seeded NAME PORT SHAPE: a fresh database NAME seeded with SHAPE by a server of BIN on PORT.
seeded() {
  fresh_db "$1"
  start "$BIN" "$2" "$1" "$1"
  "$BENCH" --jwt-secret "$SECRET" rooms-seed --url "$(url "$2")" --shape "$3"
  psql -qc "VACUUM ANALYZE" "$DB_PREFIX$1"
}

cd "$ROOT"
if [[ -z $BENCH ]]; then
  cargo build --release -p replichat-bench
  BENCH=$ROOT/target/release/replichat-bench
fi
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || true
echo "results: $OUT; BINARY = $BIN; PRE_ROOMS_BINARY = ${PRE:-none}; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
STATUS=0
REPORTS=()
# bench ARGS... --json FILE (last): runs one workload and remembers its report for the table.
bench() {
  "$BENCH" --jwt-secret "$SECRET" "$@" || STATUS=1
  [[ -f ${*: -1} ]] && REPORTS+=("${*: -1}")
  return 0
}

P_BIG=$PORT_BASE P_SMALL=$((PORT_BASE + 1)) P_MINE=$((PORT_BASE + 2))
BIG=(--url "$(url "$P_BIG")" --name big --shape "$SHAPE_BIG" --runs "$RUNS")
if wants pull || wants reset || wants join; then
  seeded big "$P_BIG" "$SHAPE_BIG"
fi
if wants pull || wants join; then
  seeded small "$P_SMALL" "$SHAPE_SMALL"
fi
if wants pull; then
  bench rooms-pull "${BIG[@]}" --compare "$(url "$P_SMALL")" --compare-name small \
    --compare-shape "$SHAPE_SMALL" --phases current,one-new --seconds "$PULL_SECONDS" \
    --database-url "$(db_url big)" --compare-database-url "$(db_url small)" \
    --strategy-note "version" --json "$OUT/rooms-pull-big-small.json"
fi
if wants reset; then
  seeded mine "$P_MINE" "$SHAPE_BIG,mine"
  bench rooms-pull "${BIG[@]}" --compare "$(url "$P_MINE")" --compare-name mine \
    --compare-shape "$SHAPE_BIG,mine" --phases reset --seconds "$PULL_SECONDS" \
    --database-url "$(db_url big)" --compare-database-url "$(db_url mine)" \
    --strategy-note "version strategy, null cookie (a full view)" \
    --json "$OUT/rooms-reset-big-mine.json"
  bench rooms-pull "${BIG[@]}" --compare "$(url "$P_MINE")" --compare-name mine \
    --compare-shape "$SHAPE_BIG,mine" --phases reset --seconds "$PULL_SECONDS" --churn-ms 20 \
    --strategy-note "version strategy, null cookie, version moving every 20 ms" \
    --json "$OUT/rooms-reset-big-mine-churn.json"
fi
if wants join; then
  # Last on these databases: each run adds a private room of 10,000 messages.
  bench rooms-join --url "$(url "$P_BIG")" --name big --compare "$(url "$P_SMALL")" \
    --compare-name small --messages "$JOIN_MESSAGES" --runs "$RUNS" --json "$OUT/rooms-join.json"
fi
stop_all

if wants push; then
  P_OLD=$((PORT_BASE + 3)) P_NEW=$((PORT_BASE + 4))
  fresh_db push_new
  start "$BIN" "$P_NEW" push_new push-new
  if [[ -n $PRE ]]; then
    fresh_db push_old
    start "$PRE" "$P_OLD" push_old push-pre-rooms
    PUSH=(--url "$(url "$P_OLD")" --name pre-rooms --compare "$(url "$P_NEW")" --compare-name rooms)
  else
    PUSH=(--url "$(url "$P_NEW")" --name rooms)
  fi
  for c in 8 32; do
    bench push "${PUSH[@]}" --runs "$RUNS" --rooms 100 --clients "$c" --batch 1 \
      --seconds "$PUSH_SECONDS" --json "$OUT/push-rooms100-c$c-b1.json"
  done
  stop_all
fi

if wants poke || wants poke3; then
  P_POKE=$((PORT_BASE + 5))
  fresh_db poke
  start "$BIN" "$P_POKE" poke poke-1
  if wants poke; then
    bench rooms-poke --url "$(url "$P_POKE")" --name rooms --runs "$RUNS" --streams "$STREAMS" \
      --rooms "$POKE_ROOMS" --json "$OUT/rooms-poke-1proc.json"
  fi
  if wants poke3; then
    SUBSCRIBE=(--subscribe-url "$(url "$P_POKE")")
    for port in $((PORT_BASE + 6)) $((PORT_BASE + 7)); do
      start "$BIN" "$port" poke "poke-$port"
      SUBSCRIBE+=(--subscribe-url "$(url "$port")")
    done
    bench rooms-poke --url "$(url "$P_POKE")" --name rooms-3proc --runs "$RUNS" \
      --streams "$STREAMS" --rooms "$POKE_ROOMS" "${SUBSCRIBE[@]}" --json "$OUT/rooms-poke-3proc.json"
  fi
  stop_all
fi

echo
echo "== summary (medians of $RUNS runs; B/A per pair: small/big, mine/big, rooms/pre-rooms)"
if ((${#REPORTS[@]})); then
  "$BENCH" table "${REPORTS[@]}" | tee "$OUT/summary.txt" || STATUS=1
fi
exit $STATUS
