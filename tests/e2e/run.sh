#!/usr/bin/env bash
# Runs replichat's end-to-end suites: the real Replicache 15.3 client in Node against
# the server (SQLite, and PostgreSQL when REPLICHAT_TEST_PG is set), then the chat
# page in headless Chromium. Installs what they need first.
#
#   bash tests/e2e/run.sh
#
# Environment:
#   REPLICHAT_TEST_PG  admin URL (e.g. postgres://root@127.0.0.1:5432/test): also run
#                      the Node scenarios on PostgreSQL (a fresh database per scenario)
#   REPLICHAT_BIN      server binary to test (default: `cargo build`, target/debug/replichat)
#   E2E_PROFILE        release: build and test target/release/replichat instead
#   E2E_SKIP_INSTALL   1: skip apt-get and npm ci (dependencies already in place)
#   E2E_SUITE_TIMEOUT  seconds before a suite is killed and counted failed (default 600)
#
# Exits non-zero if anything fails. Logs and screenshots: tests/e2e/artifacts/.
set -uo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E_DIR/../.." && pwd)"
ARTIFACTS="$E2E_DIR/artifacts"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

# ---- dependencies ----
if [[ "${E2E_SKIP_INSTALL:-}" != 1 ]]; then
  if [[ ! -x /usr/bin/chromium ]]; then
    step "installing Debian's chromium and chromium-driver"
    SUDO=()
    if [[ "$(id -u)" != 0 ]]; then
      command -v sudo >/dev/null || die "/usr/bin/chromium is missing and this is not root: apt-get install chromium chromium-driver"
      SUDO=(sudo)
    fi
    "${SUDO[@]}" apt-get update -q || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
      chromium chromium-driver fonts-dejavu-core || die "apt-get install chromium failed"
  fi
  step "npm ci (web, tests/e2e)"
  npm ci --prefix web --no-audit --no-fund || die "npm ci in web failed"
  npm ci --prefix tests/e2e --no-audit --no-fund || die "npm ci in tests/e2e failed"
fi
command -v node >/dev/null || die "node is missing"

step "building the chat page (web/dist)"
npm --prefix web run build || die "the chat page did not build"

if [[ -z "${REPLICHAT_BIN:-}" ]]; then
  if [[ "${E2E_PROFILE:-debug}" == release ]]; then
    step "cargo build --release"
    cargo build --release --bin replichat || die "cargo build failed"
    export REPLICHAT_BIN="$ROOT/target/release/replichat"
  else
    step "cargo build"
    cargo build --bin replichat || die "cargo build failed"
    export REPLICHAT_BIN="$ROOT/target/debug/replichat"
  fi
fi
[[ -x "$REPLICHAT_BIN" ]] || die "no server binary at $REPLICHAT_BIN"

# ---- suites ----
mkdir -p "$ARTIFACTS"
rm -rf "$ARTIFACTS"/*.tap "$ARTIFACTS"/chat-*.png "$ARTIFACTS/logs"
declare -a SUMMARY=()
PASSED=0
FAILED=0
STATUS=0

# run_suite NAME DB PATH...: node's test runner, spec output here, TAP in artifacts/.
run_suite() {
  local name="$1" db="$2"
  shift 2
  local tap="$ARTIFACTS/$name.tap"
  step "$name"
  local start=$SECONDS
  # A hard limit, so a process left behind cannot hang CI: each suite takes under 1 min.
  E2E_DB="$db" timeout --kill-after=10 "${E2E_SUITE_TIMEOUT:-600}" node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@"
  local rc=$?
  local took=$((SECONDS - start))
  local pass fail
  pass=$(grep -E '^# pass [0-9]+' "$tap" 2>/dev/null | awk '{print $3}' | tail -1)
  fail=$(grep -E '^# fail [0-9]+' "$tap" 2>/dev/null | awk '{print $3}' | tail -1)
  pass=${pass:-0}
  fail=${fail:-0}
  if [[ $rc != 0 && $fail == 0 ]]; then
    fail=1 # the runner itself failed
  fi
  PASSED=$((PASSED + pass))
  FAILED=$((FAILED + fail))
  [[ $rc == 0 ]] || STATUS=1
  SUMMARY+=("$(printf '%-22s %3d passed, %d failed  %4ds' "$name" "$pass" "$fail" "$took")")
}

run_suite scenarios-sqlite sqlite tests/e2e/scenarios/
if [[ -n "${REPLICHAT_TEST_PG:-}" ]]; then
  run_suite scenarios-postgres postgres tests/e2e/scenarios/
else
  SUMMARY+=("scenarios-postgres     skipped: REPLICHAT_TEST_PG is not set")
fi
run_suite browser sqlite tests/e2e/browser/

step "summary (server: $REPLICHAT_BIN)"
printf '%s\n' "${SUMMARY[@]}"
for shot in "$ARTIFACTS"/chat-*.png; do
  [[ -e "$shot" ]] && echo "screenshot artifact: $shot"
done
echo "logs: $ARTIFACTS/logs"
echo "e2e: $PASSED passed, $FAILED failed"
exit $STATUS
