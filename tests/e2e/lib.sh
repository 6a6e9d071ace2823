# Shared helpers of the end-to-end scripts: free ports, waiting on conditions with a
# deadline, starting processes whose PIDs are stopped on exit, and assertions.
set -euo pipefail

E2E_PIDS=()
E2E_FAILED=0

e2e_cleanup() {
  for pid in "${E2E_PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${E2E_PIDS[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
}

# free_port: a port nothing listens on, never one handed out before to this or another e2e
# script running at the same time (ctest runs them in parallel, and the kernel may offer a
# just-closed port twice: two services on one port fail to start). The ports handed out are
# kept in one file shared by the scripts, under flock (free_port runs in $(...) subshells).
E2E_PORTS_FILE=/tmp/llmgw-e2e-ports-$(id -u)
free_port() {
  local p
  exec 9>>"$E2E_PORTS_FILE"
  flock 9
  # Old entries only make a pick retry; keep the file short.
  if (( $(wc -l <"$E2E_PORTS_FILE") > 4000 )); then : >"$E2E_PORTS_FILE"; fi
  while :; do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    grep -qx "$p" "$E2E_PORTS_FILE" || break
  done
  echo "$p" >&9
  flock -u 9
  exec 9>&-
  echo "$p"
}

# wait_for SECONDS CMD...: runs CMD until it succeeds or the deadline passes.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.05
  done
}

# start NAME LOG CMD...: starts CMD in the background; its PID goes to $LAST_PID.
start() {
  local name=$1 log=$2; shift 2
  "$@" </dev/null >"$log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=("$LAST_PID")
  echo "started $name (pid $LAST_PID)"
}

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; E2E_FAILED=1; }

expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}

expect_contains() {  # expect_contains WHAT HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1: '$3' not in: ${2:0:400}"; fi
}

# start_pg_and_fake ROOT WORK: a throwaway PostgreSQL (PG_DIR, PG_PORT, PG_URL; stop_pg
# stops it) and the fake provider (FAKE_URL), both on 127.0.0.1. The caller's EXIT trap
# should run `e2e_cleanup; stop_pg`.
start_pg_and_fake() {
  local root=$1 work=$2
  PG_DIR=$work/pg
  PG_PORT=$(free_port)
  PG_ROOT=$root
  PG_URL=$("$root/scripts/pg.sh" start "$PG_DIR" "$PG_PORT")
  pass "PostgreSQL started on 127.0.0.1:$PG_PORT"
  start fake_provider "$work/fake.log" "$FAKE" --listen 127.0.0.1:0 --port-file "$work/fake.port"
  wait_for 10 test -s "$work/fake.port" || { cat "$work/fake.log"; exit 1; }
  FAKE_URL=http://127.0.0.1:$(cat "$work/fake.port")
}
stop_pg() { [[ -n "${PG_DIR:-}" ]] && "$PG_ROOT/scripts/pg.sh" stop "$PG_DIR" >/dev/null 2>&1 || true; }
start_pg_again() { "$PG_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >/dev/null; }
