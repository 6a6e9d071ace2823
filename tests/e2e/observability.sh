#!/usr/bin/env bash
# Observability end to end, split mode: one OpenTelemetry trace per request across the five
# services, exported over OTLP/HTTP to a test receiver (the fake provider's /v1/traces) —
# trace id and parent links, an incoming traceparent continued, an invalid one replaced, an
# unsampled caller, the collector unreachable changing nothing for requests; every process's
# /metrics passing `promtool check metrics`; a canary key and prompt in no log, metric or
# span. Usage: tests/e2e/observability.sh BUILD_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: observability.sh BUILD_DIR}" && pwd)
source "$HERE/lib.sh"
LLMGW=$BUILD/bin/llmgw
WORK=$(mktemp -d /tmp/llmgw-trace.XXXXXX)
trap 'e2e_cleanup; rm -rf "$WORK"' EXIT
export LLMGW_MASTER_KEY=sk-trace-master-key-0123

start fake_provider "$WORK/fake.log" "$BUILD/bin/fake_provider" --listen 127.0.0.1:0 --port-file "$WORK/fake.port"
wait_for 10 test -s "$WORK/fake.port" || { cat "$WORK/fake.log"; exit 1; }
# Ready means healthy: /health/readiness also answers 200 ("degraded") while the health
# process itself is not up yet, before keymgr and the others are.
healthy() { curl -s "http://127.0.0.1:$1/health/readiness" | grep -q '"status":"healthy"'; }
FAKE_URL=http://127.0.0.1:$(cat "$WORK/fake.port")
GRPC=$(free_port); HTTP=$(free_port); KEYMGR=$(free_port); ROUTER=$(free_port); SPEND=$(free_port); HEALTH=$(free_port)
declare -A METRICS=([keymgr]=$(free_port) [router]=$(free_port) [spend]=$(free_port) [health]=$(free_port))
cat >"$WORK/config.yaml" <<YAML
model_list:
  - model_name: fake-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE_URL/v1", api_key: sk-upstream,
                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
general_settings: {master_key: os.environ/LLMGW_MASTER_KEY}
llmgw:
  data_dir: $WORK/data
  grpc_listen: 127.0.0.1:$GRPC
  http: {listen: 127.0.0.1:$HTTP}
  services:
    keymgr: {listen: 127.0.0.1:$KEYMGR, metrics_listen: 127.0.0.1:${METRICS[keymgr]}}
    router: {listen: 127.0.0.1:$ROUTER, metrics_listen: 127.0.0.1:${METRICS[router]}}
    spend: {listen: 127.0.0.1:$SPEND, metrics_listen: 127.0.0.1:${METRICS[spend]}}
    health: {listen: 127.0.0.1:$HEALTH, metrics_listen: 127.0.0.1:${METRICS[health]}}
YAML

# Every process exports to the receiver, in small batches so the test need not wait.
for t in keymgr router spend health gateway; do
  OTEL_EXPORTER_OTLP_ENDPOINT=$FAKE_URL OTEL_BSP_SCHEDULE_DELAY=100 \
    start "llmgw-$t" "$WORK/$t.log" "$LLMGW" serve --config "$WORK/config.yaml" --target "$t"
done
wait_for 20 healthy "$HTTP" || { tail -n 5 "$WORK"/*.log; exit 1; }

# A key with an rpm limit and a budget: each request is admitted by keymgr and reserved by
# spend, so every service has work in its trace.
# new_key BODY: a virtual key. Readiness is the health process's view: the gateway's own
# channel to keymgr may still be in its first reconnect backoff (250 ms) when it turns
# healthy, and admin calls fail fast then, so this retries for a few seconds.
new_key() {
  local out
  for _ in $(seq 50); do
    out=$(curl -sf "http://127.0.0.1:$HTTP/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" -d "$1" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' 2>/dev/null) && { echo "$out"; return; }
    sleep 0.1
  done
  echo "key/generate kept failing: $(curl -s "http://127.0.0.1:$HTTP/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" -d "$1")" >&2
  return 1
}
KEY=$(new_key '{"key_alias":"traced","models":["fake-gpt"],"max_budget":10,"rpm_limit":1000}')
CANARY_PROMPT="canary-prompt-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
chat() {  # chat TRACEPARENT: prints the response's traceparent
  curl -s -D - -o /dev/null "http://127.0.0.1:$HTTP/v1/chat/completions" -H "Authorization: Bearer $KEY" \
    -H "traceparent: $1" -H 'tracestate: vendor=e2e' \
    -d "{\"model\":\"fake-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"$CANARY_PROMPT\"}]}" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="traceparent"{print $2}'
}
spans() { curl -s "$FAKE_URL/_fake/spans" >"$WORK/spans.json"; }

# 1. An incoming traceparent is continued: same trace id, the gateway's span its child.
TRACE=4bf92f3577b34da6a3ce929d0e0e4736 CALLER=00f067aa0ba902b7
resp=$(chat "00-$TRACE-$CALLER-01")
expect_eq "the response's traceparent carries the caller's trace id" "$(cut -d- -f2 <<<"$resp")" "$TRACE"
# Each process exports on its own schedule: wait until the trace is whole (or 10 s pass).
whole() {  # whole TRACE [trace_check args]: the receiver holds the trace and it checks out
  local trace=$1; shift
  spans; python3 "$HERE/trace_check.py" "$WORK/spans.json" "$trace" "$@" >/dev/null 2>&1
}
SERVICES=llmgw-gateway,llmgw-keymgr,llmgw-spend,llmgw-router
wait_for 10 whole "$TRACE" --parent "$CALLER" --services "$SERVICES" || true
if out=$(python3 "$HERE/trace_check.py" "$WORK/spans.json" "$TRACE" --parent "$CALLER" --services "$SERVICES" 2>&1); then
  pass "one trace across gateway, keymgr, spend and router, parent links correct"
else
  fail "the trace: ${out##*$'\n'}"
fi
echo "$out" | sed 's/^/    /'
expect_eq "tracestate travels with the trace to the router" "$(python3 -c "
import json; d=json.load(open('$WORK/spans.json'))
print(sorted({s['trace_state'] for s in d['spans'] if s['trace_id']=='$TRACE' and s['service']=='llmgw-router'}))")" "['vendor=e2e']"
gw_span=$(python3 -c "
import json; d=json.load(open('$WORK/spans.json'))
s=[s for s in d['spans'] if s['trace_id']=='$TRACE' and s['service']=='llmgw-gateway' and s['kind']==2][0]
a=s['attributes']; print(a['http.request.method'], a['http.route'], a['http.response.status_code'], a['url.scheme'])" 2>&1 || true)
expect_eq "the gateway span has the HTTP server attributes" "$gw_span" "POST /v1/chat/completions 200 http"

# 2. An invalid traceparent starts a new trace (and the gateway span has no parent).
for bad in "00-00000000000000000000000000000000-$CALLER-01" "00-$TRACE-$CALLER-01-extra" "ff-$TRACE-$CALLER-01" "garbage"; do
  resp=$(chat "$bad")
  new=$(cut -d- -f2 <<<"$resp")
  if [[ -n "$new" && "$new" != "$TRACE" && "$new" != 00000000000000000000000000000000 ]]; then
    if wait_for 10 whole "$new" --parent "" --services "$SERVICES"; then
      pass "invalid traceparent '${bad:0:24}...' -> a new trace $new"
    else
      fail "the new trace for '$bad' is not whole: $(python3 "$HERE/trace_check.py" "$WORK/spans.json" "$new" 2>&1 | tail -1)"
    fi
  else
    fail "invalid traceparent '$bad' was not replaced (response traceparent '$resp')"
  fi
done

# 3. Sampled off by the caller: nothing is recorded, the trace id still travels.
OFF=11111111111111111111111111111111
resp=$(chat "00-$OFF-$CALLER-00")
expect_eq "an unsampled caller keeps its trace id" "$(cut -d- -f2 <<<"$resp")" "$OFF"
sleep 0.5; spans
expect_eq "... and no process records its spans" "$(grep -c "$OFF" "$WORK/spans.json" || true)" 0

# 4. Database work joins the trace of the call it serves: keymgr's on an admin write,
# spend's on a report.
KT=5b8efff798038103d269b633813fc60c ST=6c9f0aa8a9d14e2b8b1f3c5d7e9a0b1c
curl -sf -o /dev/null "http://127.0.0.1:$HTTP/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
  -H "traceparent: 00-$KT-eee19b7ec3c1b174-01" -d '{"key_alias":"db-span"}'
curl -sf -o /dev/null "http://127.0.0.1:$HTTP/spend/logs" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
  -H "traceparent: 00-$ST-eee19b7ec3c1b174-01"
db_spans() {  # db_spans TRACE SERVICE: the database spans of the trace from SERVICE, parented in the trace
  spans; python3 -c "
import json,sys; d=[s for s in json.load(open('$WORK/spans.json'))['spans'] if s['trace_id']=='$1']
ids={s['span_id'] for s in d}
db=[s for s in d if s['service']=='$2' and 'db.system.name' in s['attributes'] and s['parent_span_id'] in ids]
print(' '.join(sorted({s['name'] for s in db}))); sys.exit(0 if db else 1)"
}
if wait_for 10 db_spans "$KT" llmgw-keymgr; then
  pass "keymgr's database work is in the admin call's trace: $(db_spans "$KT" llmgw-keymgr)"
else
  fail "no keymgr database span in trace $KT"
fi
if wait_for 10 db_spans "$ST" llmgw-spend; then
  pass "spend's database work is in the report's trace: $(db_spans "$ST" llmgw-spend)"
else
  fail "no spend database span in trace $ST"
fi

# 4. Every process's /metrics is valid Prometheus text (promtool, Debian's prometheus).
check_metrics() {  # check_metrics NAME URL
  local out
  curl -s "$2" >"$WORK/metrics-$1.txt"
  if out=$(promtool check metrics <"$WORK/metrics-$1.txt" 2>&1); then
    pass "promtool check metrics: $1 ($(grep -vc '^#' "$WORK/metrics-$1.txt") samples)"
  else
    fail "promtool check metrics on $1: ${out:0:400}"
  fi
}
check_metrics gateway "http://127.0.0.1:$HTTP/metrics"
for t in keymgr router spend health; do check_metrics "$t" "http://127.0.0.1:${METRICS[$t]}/metrics"; done
expect_contains "the gateway counts requests by model group under LiteLLM's name" "$(cat "$WORK/metrics-gateway.txt")" \
  'llmgw_proxy_total_requests_metric_total{requested_model="fake-gpt",status_code="200",team=""}'
expect_contains "... and the spans it exported" "$(cat "$WORK/metrics-gateway.txt")" "llmgw_otel_spans_exported_total"
expect_contains "the router serves its gRPC metrics on its own listener" "$(cat "$WORK/metrics-router.txt")" \
  'llmgw_grpc_server_handled_total{grpc_code="OK",grpc_method="RouteChat"'

# A team's budget and what is left of it, on spend's listener.
TEAM=$(curl -sf "http://127.0.0.1:$HTTP/team/new" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
         -d '{"team_alias":"metrics-team","max_budget":5}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["team_id"])')
TKEY=$(new_key "{\"team_id\":\"$TEAM\",\"models\":[\"fake-gpt\"]}")
curl -sf -o /dev/null "http://127.0.0.1:$HTTP/v1/chat/completions" -H "Authorization: Bearer $TKEY" \
  -d '{"model":"fake-gpt","messages":[{"role":"user","content":"hi"}]}'
remaining() {
  curl -s "http://127.0.0.1:${METRICS[spend]}/metrics" | awk -v t="llmgw_remaining_team_budget_metric{team=\"$TEAM\"}" '$1==t{print $2}'
}
if wait_for 5 bash -c "test -n \"\$(curl -s http://127.0.0.1:${METRICS[spend]}/metrics | grep 'llmgw_remaining_team_budget_metric{team=\"$TEAM\"}')\""; then
  left=$(remaining)
  expect_eq "spend reports the team's budget left (below its \$5 after a call)" "$(python3 -c "print(0 < $left < 5)")" True
else
  fail "no llmgw_remaining_team_budget_metric for team $TEAM"
fi

# 5. A canary key and prompt appear in no log line, metric or span (a wrong key neither).
WRONG=sk-canary-wrong-key-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
curl -s -o /dev/null "http://127.0.0.1:$HTTP/v1/chat/completions" -H "Authorization: Bearer $WRONG" \
  -d "{\"model\":\"fake-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"$CANARY_PROMPT\"}]}"
sleep 0.5; spans
for t in gateway keymgr router spend health; do
  url="http://127.0.0.1:${METRICS[$t]:-$HTTP}/metrics"; curl -s "$url" >>"$WORK/all-metrics.txt"
done
for secret in "$KEY" "$WRONG" "$LLMGW_MASTER_KEY" "$CANARY_PROMPT"; do
  where=$( (grep -l -F -- "$secret" "$WORK"/*.log "$WORK/all-metrics.txt" "$WORK/spans.json" 2>/dev/null || true) |
          xargs -r -n1 basename | tr '\n' ' ')
  expect_eq "canary ${secret:0:14}... is in no log, metric or span" "$where" ""
done

# 6. The collector unreachable: requests are answered as before, the spans are dropped and
# counted (the latency side is bench/overhead.sh's: timing has no place in a test).
DEAD=$(free_port)  # nothing listens there
ALL_GRPC=$(free_port); ALL_HTTP=$(free_port)
sed -e "s|127.0.0.1:$GRPC|127.0.0.1:$ALL_GRPC|; s|127.0.0.1:$HTTP|127.0.0.1:$ALL_HTTP|; s|$WORK/data|$WORK/data-all|" \
  "$WORK/config.yaml" >"$WORK/all.yaml"
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$DEAD OTEL_EXPORTER_OTLP_TIMEOUT=300 OTEL_BSP_SCHEDULE_DELAY=100 \
  start llmgw-all "$WORK/all.log" "$LLMGW" serve --config "$WORK/all.yaml" --target all
wait_for 20 healthy "$ALL_HTTP" || { tail -n 5 "$WORK/all.log"; exit 1; }
codes=$(for i in $(seq 1 50); do
  curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$ALL_HTTP/v1/chat/completions" \
    -H "Authorization: Bearer $LLMGW_MASTER_KEY" -d '{"model":"fake-gpt","messages":[{"role":"user","content":"hi"}]}'
done | sort | uniq -c | tr -s ' ')
expect_eq "collector unreachable: every request still answers 200" "$codes" " 50 200"
dropped() { curl -s "http://127.0.0.1:$ALL_HTTP/metrics" | awk '$1=="llmgw_otel_spans_dropped_total"{print int($2)}'; }
if wait_for 10 bash -c "test \"\$(curl -s http://127.0.0.1:$ALL_HTTP/metrics | awk '\$1==\"llmgw_otel_spans_dropped_total\"{print int(\$2)}')\" -ge 100"; then
  pass "... and the drop counter rises: llmgw_otel_spans_dropped_total $(dropped)"
else
  fail "the drop counter did not rise: '$(dropped)'"
fi
expect_eq "... with no span exported" "$(curl -s "http://127.0.0.1:$ALL_HTTP/metrics" | awk '$1=="llmgw_otel_spans_exported_total"{print int($2)}')" 0

# 7. Content capture is opt-in: with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true
# the provider attempt's span carries the prompt and the answer (section 5 showed they are
# absent without it).
CAP_GRPC=$(free_port); CAP_HTTP=$(free_port)
sed -e "s|127.0.0.1:$GRPC|127.0.0.1:$CAP_GRPC|; s|127.0.0.1:$HTTP|127.0.0.1:$CAP_HTTP|; s|$WORK/data|$WORK/data-cap|" \
  "$WORK/config.yaml" >"$WORK/cap.yaml"
OTEL_EXPORTER_OTLP_ENDPOINT=$FAKE_URL OTEL_BSP_SCHEDULE_DELAY=100 OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true \
  start llmgw-capture "$WORK/capture.log" "$LLMGW" serve --config "$WORK/cap.yaml" --target all
wait_for 20 healthy "$CAP_HTTP" || { tail -n 5 "$WORK/capture.log"; exit 1; }
CAP=7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a
curl -s -o /dev/null "http://127.0.0.1:$CAP_HTTP/v1/chat/completions" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
  -H "traceparent: 00-$CAP-eee19b7ec3c1b174-01" \
  -d '{"model":"fake-gpt","messages":[{"role":"user","content":"captured-prompt-42"}]}'
captured() {
  spans; python3 -c "
import json,sys; d=[s for s in json.load(open('$WORK/spans.json'))['spans'] if s['trace_id']=='$CAP' and 'gen_ai.input.messages' in s['attributes']]
sys.exit(0 if d and 'captured-prompt-42' in d[0]['attributes']['gen_ai.input.messages'] and d[0]['attributes'].get('gen_ai.output.messages') else 1)"
}
if wait_for 10 captured; then
  pass "with content capture on, the attempt span carries gen_ai.input.messages and gen_ai.output.messages"
else
  fail "content capture on: no gen_ai.input.messages with the prompt in trace $CAP"
fi

echo "observability: $( [[ $E2E_FAILED == 0 ]] && echo ok || echo FAILED )"
exit $E2E_FAILED
