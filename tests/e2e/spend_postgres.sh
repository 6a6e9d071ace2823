#!/usr/bin/env bash
# The ledger never loses a row, with the real binary on a real PostgreSQL: PostgreSQL is
# stopped in the middle of a load and started again, and llmgw gets SIGTERM while rows are
# queued (spooled); afterwards every request that got a 200 has exactly one ledger row.
# Usage: tests/e2e/spend_postgres.sh BUILD_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: spend_postgres.sh BUILD_DIR}" && pwd)
source "$HERE/lib.sh"
LLMGW=$BUILD/bin/llmgw
FAKE=$BUILD/bin/fake_provider
WORK=$(mktemp -d /tmp/llmgw-e2e-spend.XXXXXX)
chmod 755 "$WORK"
trap 'e2e_cleanup; stop_pg; rm -rf "$WORK"' EXIT
export LLMGW_MASTER_KEY=sk-e2e-master-key-spend-01
sql() { psql "$PG_URL" -Atq -c "$1"; }

start_pg_and_fake "$ROOT" "$WORK"
HTTP_PORT=$(free_port)
cat >"$WORK/config.yaml" <<YAML
model_list:
  - model_name: priced
    litellm_params: {model: openai/priced, api_base: "$FAKE_URL/v1", api_key: sk-upstream,
                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
general_settings: {master_key: os.environ/LLMGW_MASTER_KEY, database_url: "$PG_URL"}
llmgw: {data_dir: $WORK/data, grpc_listen: "127.0.0.1:0", http: {listen: "127.0.0.1:$HTTP_PORT"}, shutdown_grace_seconds: 10}
YAML
BASE=http://127.0.0.1:$HTTP_PORT
serve() {
  start llmgw "$WORK/llmgw.$1.log" "$LLMGW" serve --config "$WORK/config.yaml" --target all
  LLMGW_PID=$LAST_PID
  wait_for 15 curl -sf "$BASE/health/liveliness" || { cat "$WORK/llmgw.$1.log"; exit 1; }
}
serve 1
KEY=$(curl -s "$BASE/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" -d '{"key_alias":"load"}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

# load FROM TO: requests with ids e2e-FROM..e2e-TO, 4 at a time; each 200's id goes to ok.txt
load() {
  seq "$1" "$2" | xargs -P 4 -I{} sh -c "code=\$(curl -s -o /dev/null -w '%{http_code}' '$BASE/v1/chat/completions' \
    -H 'Authorization: Bearer $KEY' -H 'x-request-id: e2e-{}' \
    -d '{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}'); \
    [ \"\$code\" = 200 ] && echo e2e-{} >> '$WORK/ok.txt'; true"
}

oks() { cat "$WORK/ok.txt" 2>/dev/null | wc -l; }
at_least() { (( $(oks) >= $1 )); }
load 1 300 &
LOADER=$!
wait_for 30 at_least 60 || fail "the load did not get going: $(oks) successes"
stop_pg
pass "PostgreSQL stopped after $(oks) successful requests"
wait_for 30 at_least 160 || fail "the load stalled while PostgreSQL was down: $(oks) successes"
start_pg_again
pass "PostgreSQL started again after $(oks) successful requests"
wait "$LOADER"
expect_contains "the gateway spooled rows while PostgreSQL was down" "$(cat "$WORK/llmgw.1.log")" "spooling ledger rows"

# SIGTERM while rows are queued: with PostgreSQL down again they can only go to the spool.
stop_pg
load 301 340
kill -TERM "$LLMGW_PID"
rc=0; wait "$LLMGW_PID" || rc=$?
expect_eq "SIGTERM with rows queued: exit code" "$rc" 0
start_pg_again
serve 2  # replays the spool before it serves
expect_contains "the restarted llmgw replayed the spool" "$(cat "$WORK/llmgw.2.log")" "spend spool replayed"

sort -u "$WORK/ok.txt" >"$WORK/ok.sorted"
OK=$(wc -l <"$WORK/ok.sorted")
wait_for 10 test "$(sql 'select count(*) from spend_ledger')" -ge "$OK" || true
sql "select request_id from spend_ledger order by 1" >"$WORK/rows.sorted"
ROWS=$(wc -l <"$WORK/rows.sorted")
DUPS=$(sql "select count(*) from (select request_id from spend_ledger group by 1 having count(*) > 1) d")
MISSING=$(comm -23 "$WORK/ok.sorted" "$WORK/rows.sorted" | wc -l)
expect_eq "every 200 ($OK of 340) has a ledger row: missing" "$MISSING" 0
expect_eq "no request has two rows" "$DUPS" 0
expect_eq "no row without a 200 (rows = 200s)" "$ROWS" "$OK"
SPEND=$(sql "select sum(spend_micros) from spend_ledger")
INFO=$(curl -s "$BASE/key/info?key=$KEY" -H "Authorization: Bearer $LLMGW_MASTER_KEY" |
       python3 -c 'import json,sys; print(round(json.load(sys.stdin)["info"]["spend"] * 1e6))')
expect_eq "the rebuilt key spend equals the ledger's sum (micro-USD)" "$INFO" "$SPEND"

kill -TERM "$LLMGW_PID"; wait "$LLMGW_PID" || true
if ((E2E_FAILED)); then
  echo "spend_postgres: FAILED"; for f in "$WORK"/*.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1
fi
echo "spend_postgres: all checks passed ($OK requests, $ROWS ledger rows)"
