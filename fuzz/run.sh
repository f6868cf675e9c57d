#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and fails if any of them finds a crash.
#
#   fuzz/run.sh [seconds]     total fuzzing time, split evenly over the runs (default 60)
#
# Targets: decode (request decoding and cookie rules, no server), http_body (arbitrary
# bytes as push and pull bodies), http_session (sequences of near-valid requests). The
# two HTTP targets run on SQLite; when REPLICHAT_TEST_PG names a PostgreSQL admin URL
# they run a second time on a scratch PostgreSQL database.
#
# Seeds come from fuzz/corpus/<target>/ (decode shares http_body's); what a run learns
# goes to a scratch directory and is thrown away, so the committed corpus only changes
# on purpose. Crashes are written to fuzz/artifacts/<target>/ and make the script fail;
# replay one with `RUSTC_BOOTSTRAP=1 cargo fuzz run -O <target> <file>` in fuzz/.
#
# cargo-fuzz hands nightly-only flags to rustc (-Zsanitizer=address and friends). This
# machine only has the stable toolchain, which accepts them with RUSTC_BOOTSTRAP=1.
# Compiling the targets is not counted in the time budget.
#
# Environment:
#   FUZZ_SANITIZER  address (default) or none: AddressSanitizer also watches the bundled
#                   SQLite C code, but its first build takes several times longer
#   FUZZ_PROFILE    release (default, -O: more inputs per second) or dev (builds in
#                   about half the time; CI uses dev + none for a short smoke run)
set -euo pipefail

total=${1:-60}
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The harness puts its SQLite file under TMPDIR: removed with the scratch directory.
export TMPDIR="$scratch"

sanitizer=${FUZZ_SANITIZER:-address}
case ${FUZZ_PROFILE:-release} in
    release) build_flags=(-O -s "$sanitizer") ;;
    dev) build_flags=(--dev -s "$sanitizer") ;;
    *) echo "FUZZ_PROFILE must be release or dev" >&2; exit 2 ;;
esac
cargo fuzz build "${build_flags[@]}"

runs=("decode sqlite" "http_body sqlite" "http_session sqlite")
if [[ -n "${REPLICHAT_TEST_PG:-}" ]]; then
    runs+=("http_body postgres" "http_session postgres")
fi
seconds=$((total / ${#runs[@]}))
((seconds >= 1)) || seconds=1

failed=()
for run in "${runs[@]}"; do
    read -r target db <<<"$run"
    seeds="corpus/$target"
    options=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1)
    case $target in
        decode) seeds=corpus/http_body; options+=(-dict=json.dict) ;;
        http_body) options+=(-dict=json.dict) ;;
        # Structured inputs: long ones from the start, so that sessions have several steps.
        http_session) options+=(-len_control=0 -max_len=2048) ;;
    esac
    learned="$scratch/corpus-$target-$db"
    mkdir -p "$learned" "$seeds"
    echo "=== $target on $db for ${seconds}s"
    env_cmd=(env)
    [[ $db == sqlite ]] && env_cmd+=(-u REPLICHAT_TEST_PG)
    if ! "${env_cmd[@]}" cargo fuzz run "${build_flags[@]}" "$target" "$learned" "$seeds" -- "${options[@]}"; then
        failed+=("$target on $db")
    fi
done

if ((${#failed[@]} > 0)); then
    printf 'fuzzing found a problem in: %s\n' "${failed[@]}" >&2
    ls -l artifacts/*/ >&2 2>/dev/null || true
    exit 1
fi
echo "fuzzing: no crash in ${#runs[@]} runs of ${seconds}s"
