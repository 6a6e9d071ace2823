#!/usr/bin/env bash
# Virtual keys with the real binaries on a real PostgreSQL, in the split shape (keymgr in
# its own process, the gateway watching it over the network): a key works, a block is
# seen within a second, and while PostgreSQL is stopped existing keys keep working and
# admin writes get 503; once it is back, writes work again with no restart. A canary key
# must appear in no log and no response. Usage: tests/e2e/keys_postgres.sh BUILD_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: keys_postgres.sh BUILD_DIR}" && pwd)
source "$HERE/lib.sh"
LLMGW=$BUILD/bin/llmgw
FAKE=$BUILD/bin/fake_provider
WORK=$(mktemp -d /tmp/llmgw-e2e-pg.XXXXXX)
chmod 755 "$WORK"
trap 'e2e_cleanup; stop_pg; rm -rf "$WORK"' EXIT
export LLMGW_MASTER_KEY=sk-e2e-master-key-pg-0123
MASTER=$LLMGW_MASTER_KEY
CANARY=sk-canary-e2e-5d1f0b7c9a3e4f2a6b8d


start_pg_and_fake "$ROOT" "$WORK"

GRPC_PORT=$(free_port); HTTP_PORT=$(free_port); KEYMGR_PORT=$(free_port)
ROUTER_PORT=$(free_port); SPEND_PORT=$(free_port); HEALTH_PORT=$(free_port)
cat >"$WORK/config.yaml" <<YAML
model_list:
  - model_name: fake-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE_URL/v1", api_key: sk-upstream}
  - model_name: other-gpt
    litellm_params: {model: openai/other, api_base: "$FAKE_URL/v1", api_key: sk-upstream}
general_settings:
  master_key: os.environ/LLMGW_MASTER_KEY
  database_url: "$PG_URL"
  database_connection_pool_limit: 4
llmgw:
  data_dir: $WORK/data
  grpc_listen: 127.0.0.1:$GRPC_PORT
  shutdown_grace_seconds: 5
  http: {listen: 127.0.0.1:$HTTP_PORT}
  services:
    keymgr: {listen: 127.0.0.1:$KEYMGR_PORT}
    router: {listen: 127.0.0.1:$ROUTER_PORT}
    spend: {listen: 127.0.0.1:$SPEND_PORT}
    health: {listen: 127.0.0.1:$HEALTH_PORT}
YAML

declare -A PIDS
for t in keymgr router spend health gateway; do
  start "llmgw-$t" "$WORK/$t.log" "$LLMGW" serve --config "$WORK/config.yaml" --target "$t"
  PIDS[$t]=$LAST_PID
done
wait_for 15 curl -sf "http://127.0.0.1:$HTTP_PORT/health/liveliness" || { tail -n 5 "$WORK"/*.log; exit 1; }
wait_for 10 grep -q 'principal watch connected' "$WORK/gateway.log" \
  && pass "the gateway watches keymgr over the network" || fail "no principal watch in gateway.log"

BASE=http://127.0.0.1:$HTTP_PORT
RESPONSES=$WORK/responses.txt
api() {  # api METHOD PATH KEY [BODY]: prints "BODY\nSTATUS", keeps every body for the canary check
  local out
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $3" \
        -H 'Content-Type: application/json' ${4:+-d "$4"})
  echo "$out" >>"$RESPONSES"
  echo "$out"
}
status_of() { echo "${1##*$'\n'}"; }
chat() { api POST /v1/chat/completions "$1" "{\"model\":\"${2:-fake-gpt}\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"; }

out=$(api POST /key/generate "$MASTER" "{\"key\":\"$CANARY\",\"key_alias\":\"canary\",\"models\":[\"fake-gpt\"],\"metadata\":{\"department\":\"search\"}}")
expect_eq "generate a key (custom value) -> 200" "$(status_of "$out")" 200
# The one response that must show the key is the one that creates it; keep it out of the check.
: >"$RESPONSES"
expect_eq "the key works" "$(status_of "$(chat "$CANARY")")" 200
expect_eq "a model outside its list -> 403" "$(status_of "$(chat "$CANARY" other-gpt)")" 403
expect_eq "a wrong key -> 401" "$(status_of "$(chat "${CANARY}x")")" 401

# Block: every gateway refuses within a second (the watch stream, not a cache expiry).
expect_eq "block -> 200" "$(status_of "$(api POST /key/block "$MASTER" "{\"key\":\"$CANARY\"}")")" 200
t0=$(date +%s%3N)
wait_for 1 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $BASE/v1/models -H 'Authorization: Bearer $CANARY') == 401 ]]" \
  && pass "blocked key refused after $(($(date +%s%3N) - t0)) ms" || fail "blocked key still accepted after 1 s"
expect_eq "unblock -> 200" "$(status_of "$(api POST /key/unblock "$MASTER" "{\"key\":\"$CANARY\"}")")" 200
wait_for 1 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $BASE/v1/models -H 'Authorization: Bearer $CANARY') == 200 ]]" \
  && pass "unblocked key accepted again" || fail "unblocked key still refused"

# PostgreSQL goes away while the suite runs.
stop_pg
pass "PostgreSQL stopped"
expect_eq "PostgreSQL down: the existing key still works" "$(status_of "$(chat "$CANARY")")" 200
out=$(api POST /key/generate "$MASTER" '{"key_alias":"during-outage"}')
expect_eq "PostgreSQL down: /key/generate -> 503" "$(status_of "$out")" 503
expect_contains "... with code store_unavailable" "$out" '"code":"store_unavailable"'
out=$(api POST /key/block "$MASTER" "{\"key\":\"$CANARY\"}")
expect_eq "PostgreSQL down: /key/block -> 503" "$(status_of "$out")" 503
expect_eq "... and the key was not blocked" "$(status_of "$(chat "$CANARY")")" 200
expect_eq "PostgreSQL down: /key/info (memory) still answers" "$(status_of "$(api GET "/key/info?key=$CANARY" "$MASTER")")" 200
# The aggregator sees the store go, through keymgr and spend: degraded, still ready.
CTL=$BUILD/bin/llmgwctl
if wait_for 5 bash -c "\"$CTL\" --addr 127.0.0.1:$HEALTH_PORT health | grep -q 'dependency/keymgr-store  *NOT_SERVING'"; then
  pass "PostgreSQL down: llmgwctl health shows dependency/keymgr-store NOT_SERVING"
else
  fail "PostgreSQL down: the aggregator did not report the store: $("$CTL" --addr 127.0.0.1:$HEALTH_PORT health 2>&1)"
fi
out=$("$CTL" --addr "127.0.0.1:$HEALTH_PORT" health); rc=$?
expect_contains "... the system DEGRADED" "$out" "system: DEGRADED"
expect_contains "... spend's store too" "$out" "dependency/spend-store"
out=$(curl -s -w '\n%{http_code}' "$BASE/health/readiness")
expect_eq "... and /health/readiness still 200 (keys are served from memory)" "${out##*$'\n'}" 200

# It comes back: writes work again, no restart of any llmgw process.
start_pg_again
pass "PostgreSQL started again"
out=$(api POST /key/generate "$MASTER" '{"key_alias":"after-outage"}')
expect_eq "PostgreSQL back: /key/generate -> 200 (first try)" "$(status_of "$out")" 200
NEW_KEY=$(echo "$out" | head -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
expect_eq "... and the new key works" "$(status_of "$(chat "$NEW_KEY")")" 200
wait_for 5 bash -c "\"$BUILD/bin/llmgwctl\" --addr 127.0.0.1:$HEALTH_PORT health | grep -q 'system: SERVING'" \
  && pass "PostgreSQL back: the aggregator reports SERVING again" || fail "the aggregator still reports the store down"
for t in keymgr gateway; do
  if kill -0 "${PIDS[$t]}" 2>/dev/null; then pass "$t never restarted"; else fail "$t died"; fi
done

# The canary never shows up in a log line or an error body.
if grep -q -- "${CANARY#sk-}" "$WORK"/*.log "$RESPONSES"; then
  fail "the canary key appears in: $(grep -l -- "${CANARY#sk-}" "$WORK"/*.log "$RESPONSES" | xargs)"
else
  pass "the canary key is in no log ($(cat "$WORK"/*.log | wc -l) lines) and no response ($(grep -c . "$RESPONSES") lines)"
fi

for t in gateway router keymgr spend health; do
  kill -TERM "${PIDS[$t]}"
  rc=0; wait "${PIDS[$t]}" || rc=$?
  expect_eq "$t exits 0 on SIGTERM" "$rc" 0
done
if ((E2E_FAILED)); then
  echo "keys_postgres: FAILED"; for f in "$WORK"/*.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1
fi
echo "keys_postgres: all checks passed"
