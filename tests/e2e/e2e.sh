#!/usr/bin/env bash
# End to end with the real binaries: `llmgw serve --target all`, then the five services as
# separate processes, against the fake provider, checked with curl, the official openai npm
# package and a Node gRPC client. Usage: tests/e2e/e2e.sh BUILD_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: e2e.sh BUILD_DIR}" && pwd)
source "$HERE/lib.sh"
LLMGW=$BUILD/bin/llmgw
CTL=$BUILD/bin/llmgwctl
FAKE=$BUILD/bin/fake_provider
NODE_DIR=$ROOT/tests/node
if [[ ! -d "$NODE_DIR/node_modules/openai" || ! -d "$NODE_DIR/node_modules/@anthropic-ai/sdk" ]]; then
  echo "tests/node/node_modules is missing: run scripts/test.sh (it installs them)"; exit 1
fi
WORK=$(mktemp -d /tmp/llmgw-e2e.XXXXXX)
trap 'e2e_cleanup; rm -rf "$WORK"' EXIT
export LLMGW_MASTER_KEY=sk-e2e-master-key-0123 UPSTREAM_KEY=sk-upstream-e2e
KEY=$LLMGW_MASTER_KEY
SERVICES=(llmgw.gateway.v1.Inference llmgw.keymgr.v1.KeyManager llmgw.router.v1.Router
          llmgw.spend.v1.SpendService llmgw.health.v1.HealthAggregator)

# --- the fake provider ---
start fake_provider "$WORK/fake.log" "$FAKE" --listen 127.0.0.1:0 --port-file "$WORK/fake.port"
wait_for 10 test -s "$WORK/fake.port" || { cat "$WORK/fake.log"; exit 1; }
FAKE_PORT=$(cat "$WORK/fake.port")
FAKE_URL=http://127.0.0.1:$FAKE_PORT

write_config() {  # write_config FILE
  cat >"$1" <<YAML
model_list:
  - model_name: fake-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE_URL/v1", api_key: os.environ/UPSTREAM_KEY}
  - model_name: slow-gpt
    litellm_params:
      model: openai/slow-upstream
      api_base: "$FAKE_URL/v1"
      extra_headers: {x-fake-chunk-delay-ms: "300", x-fake-text: "one two three four five six seven eight"}
  - model_name: mock-gpt
    litellm_params: {model: mock/m, mock_latency_ms: 5, mock_chunk_delay_ms: 2}
  - model_name: fake-claude
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE_URL", api_key: os.environ/UPSTREAM_KEY}
  - model_name: fake-claude-tools
    litellm_params:
      model: anthropic/claude-fake
      api_base: "$FAKE_URL"
      api_key: os.environ/UPSTREAM_KEY
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: fake-gemini
    litellm_params: {model: gemini/gemini-fake, api_base: "$FAKE_URL", api_key: os.environ/UPSTREAM_KEY}
  - model_name: fake-gemini-tools
    litellm_params:
      model: gemini/gemini-fake
      api_base: "$FAKE_URL"
      api_key: os.environ/UPSTREAM_KEY
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: fake-gpt-tools
    litellm_params:
      model: openai/fake-upstream
      api_base: "$FAKE_URL/v1"
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: fake-azure
    litellm_params: {model: azure/gpt-deployment, api_base: "$FAKE_URL", api_key: os.environ/UPSTREAM_KEY}
  - model_name: fake-azure-tools
    litellm_params:
      model: azure/gpt-deployment
      api_base: "$FAKE_URL"
      api_key: os.environ/UPSTREAM_KEY
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: fake-embed
    litellm_params: {model: openai/text-embedding-fake, api_base: "$FAKE_URL/v1", api_key: os.environ/UPSTREAM_KEY}
  - model_name: azure-embed
    litellm_params: {model: azure/embedding-deployment, api_base: "$FAKE_URL", api_key: os.environ/UPSTREAM_KEY}
  - model_name: drill-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE_URL/v1", api_key: os.environ/UPSTREAM_KEY, cooldown_time: 1}
    model_info: {id: drill-primary}
  - model_name: drill-backup
    litellm_params: {model: openai/fake-backup, api_base: "$FAKE_URL/v1", api_key: os.environ/UPSTREAM_KEY}
    model_info: {id: drill-backup}
router_settings: {fallbacks: [{drill-gpt: [drill-backup]}]}
general_settings: {master_key: os.environ/LLMGW_MASTER_KEY}
sla: {max_p95_overhead_ms: 250, min_availability_pct: 99.9, max_cost_per_call_usd: 0.05, window: 1h}
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
}

chat() {  # chat MODEL [extra curl args]: prints "STATUS BODY"
  local model=$1; shift
  curl -s -w '\n%{http_code}' "http://127.0.0.1:$HTTP_PORT/v1/chat/completions" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@" \
    -d "{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
}

fake_stat() { curl -s "$FAKE_URL/_fake/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

check_chat_and_sdk() {  # check_chat_and_sdk SHAPE
  local shape=$1 out
  out=$(chat fake-gpt)
  expect_eq "$shape: chat through the fake provider is 200" "${out##*$'\n'}" 200
  expect_contains "$shape: chat body" "$out" '"object":"chat.completion"'
  out=$(cd "$NODE_DIR" && node openai_conformance.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" fake-gpt 2>&1) \
    && pass "$shape: openai SDK conformance (fake-gpt)" || fail "$shape: openai SDK conformance: $out"
  echo "$out" | sed 's/^/    /'
  out=$(cd "$NODE_DIR" && node openai_conformance.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" mock-gpt fake-gpt-tools 2>&1) \
    && pass "$shape: openai SDK conformance (mock-gpt, tools on fake-gpt-tools)" || fail "$shape: openai SDK conformance (mock): $out"
  out=$(cd "$NODE_DIR" && node openai_conformance.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" fake-claude fake-claude-tools 2>&1) \
    && pass "$shape: openai SDK against an Anthropic-backed group (chat, stream, tool round trip)" \
    || fail "$shape: openai SDK conformance (anthropic): $out"
  echo "$out" | sed 's/^/    /'
  out=$(cd "$NODE_DIR" && node openai_conformance.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" fake-gemini fake-gemini-tools 2>&1) \
    && pass "$shape: openai SDK against a Gemini-backed group (chat, stream, tool round trip)" \
    || fail "$shape: openai SDK conformance (gemini): $out"
  echo "$out" | sed 's/^/    /'
  out=$(cd "$NODE_DIR" && node openai_conformance.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" fake-azure fake-azure-tools 2>&1) \
    && pass "$shape: openai SDK against an Azure-backed group (chat, stream, tool round trip)" \
    || fail "$shape: openai SDK conformance (azure): $out"
  local group
  for group in fake-embed azure-embed; do
    out=$(cd "$NODE_DIR" && node openai_embeddings.mjs "http://127.0.0.1:$HTTP_PORT/v1" "$KEY" $group 2>&1) \
      && pass "$shape: openai SDK embeddings on $group (base64 default and float)" \
      || fail "$shape: openai SDK embeddings ($group): $out"
  done
  echo "$out" | sed 's/^/    /'
  for group in "fake-claude fake-claude-tools" "fake-gpt fake-gpt-tools" "fake-gemini fake-gemini-tools"; do
    # shellcheck disable=SC2086 # two words: the model and the tool model
    out=$(cd "$NODE_DIR" && node anthropic_conformance.mjs "http://127.0.0.1:$HTTP_PORT" "$KEY" $group 2>&1) \
      && pass "$shape: @anthropic-ai/sdk on /v1/messages, ${group%% *} (create, stream, tool round trip)" \
      || fail "$shape: @anthropic-ai/sdk conformance (${group%% *}): $out"
    echo "$out" | sed 's/^/    /'
  done
}

check_cancellation() {  # a client that leaves mid-stream cancels the upstream call
  local shape=$1 before after
  before=$(fake_stat cancelled)
  curl -s -N --max-time 1 "http://127.0.0.1:$HTTP_PORT/v1/chat/completions" -H "Authorization: Bearer $KEY" \
    -d '{"model":"slow-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}' >"$WORK/partial.txt" || true
  if wait_for 5 test "$(fake_stat cancelled)" -gt "$before"; then
    pass "$shape: disconnect mid-stream cancelled the upstream request (fake provider cancelled=$(fake_stat cancelled))"
  else
    fail "$shape: the fake provider never saw the upstream request cancelled"
  fi
  expect_contains "$shape: the client got the first chunks before leaving" "$(cat "$WORK/partial.txt")" 'data: {'
}

check_bad_requests() {  # each gets its documented status and an OpenAI error body; nothing reaches upstream
  local shape=$1 before out url="http://127.0.0.1:$HTTP_PORT/v1/chat/completions"
  before=$(fake_stat chat_requests)
  head -c 20971520 /dev/zero | tr '\0' 'a' >"$WORK/big.json"
  post() { curl -s -w '\n%{http_code}' "$url" -H "Authorization: Bearer ${2:-$KEY}" -H 'Content-Type: application/json' --data-binary "$1"; }
  for c in '400|invalid_request|{not json' \
           '400|invalid_request|{"messages":[{"role":"user","content":"x"}]}' \
           '404|model_not_found|{"model":"no-such","messages":[{"role":"user","content":"x"}]}' \
           '413|request_too_large|@'"$WORK/big.json"; do
    IFS='|' read -r status code body <<<"$c"
    out=$(post "$body")
    expect_eq "$shape: ${body:0:40} -> $status" "${out##*$'\n'}" "$status"
    expect_contains "$shape: ... with code $code" "$out" "\"code\":\"$code\""
  done
  out=$(post '{"model":"fake-gpt","messages":[{"role":"user","content":"x"}]}' sk-wrong)
  expect_eq "$shape: wrong key -> 401" "${out##*$'\n'}" 401
  expect_contains "$shape: ... with an OpenAI error body" "$out" '{"error":{"message":"invalid API key","type":"authentication_error"'
  expect_eq "$shape: none of them reached the provider" "$(fake_stat chat_requests)" "$before"
}

check_llmgwctl() {  # check_llmgwctl SHAPE HEALTH_ADDR ROUTER_ADDR: the operator CLI's commands and exit codes
  local shape=$1 health_addr=$2 router=$3 rc out id
  rc=0; out=$("$CTL" --addr "$health_addr" health) || rc=$?
  expect_eq "$shape: llmgwctl health exits 0 while serving" "$rc" 0
  expect_contains "$shape: ... and shows the system status" "$out" "system: SERVING"
  rc=0; "$CTL" --addr "127.0.0.1:$GRPC_PORT" health --service llmgw.gateway.v1.Inference >/dev/null || rc=$?
  expect_eq "$shape: llmgwctl health --service (grpc_health_probe style) exits 0" "$rc" 0
  out=$("$CTL" --addr "$router" --json deployments --model-group fake-gpt)
  id=$(echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['deployments'][0]['id'])")
  out=$("$CTL" --addr "$router" cooldown set "$id" --duration 90s --reason "e2e drill")
  expect_contains "$shape: llmgwctl cooldown set takes $id out" "$out" "back in 1m"
  expect_contains "$shape: llmgwctl deployments shows the cooldown and its reason" \
    "$("$CTL" --addr "$router" deployments)" "e2e drill"
  "$CTL" --addr "$router" cooldown clear "$id" >/dev/null
  out=$(chat fake-gpt)
  expect_eq "$shape: llmgwctl cooldown clear puts it back" "${out##*$'\n'}" 200
  out=$("$CTL" --addr "$router" force-fail "$id" --duration 30s)
  expect_contains "$shape: llmgwctl force-fail makes $id fail for the drill" "$out" "force-failing for"
  out=$(chat fake-gpt)
  expect_eq "$shape: ... so its group answers an error" "${out##*$'\n'}" 502
  "$CTL" --addr "$router" force-fail "$id" --duration 0 >/dev/null
  "$CTL" --addr "$router" cooldown clear "$id" >/dev/null
  out=$(chat fake-gpt)
  expect_eq "$shape: llmgwctl force-fail --duration 0 ends it" "${out##*$'\n'}" 200
  rc=0; "$CTL" --addr "$router" cooldown clear no-such-id 2>/dev/null || rc=$?
  expect_eq "$shape: llmgwctl on an unknown deployment exits 3" "$rc" 3
  rc=0; "$CTL" --addr "$router" --master-key sk-wrong-key-000000 deployments 2>/dev/null || rc=$?
  expect_eq "$shape: llmgwctl with a wrong master key exits 3" "$rc" 3
  rc=0; "$CTL" --addr "127.0.0.1:$(free_port)" --timeout 300ms health 2>/dev/null || rc=$?
  expect_eq "$shape: llmgwctl health with nothing listening exits 2" "$rc" 2
}

slo_field() {  # slo_field JSON INDICATOR FIELD: one field of `llmgwctl --json slo`
  python3 -c "import json,sys; d=json.load(sys.stdin); print(next(i for i in d['indicators'] if i['name']=='$2').get('$3', False))" <<<"$1"
}

check_slo() {  # check_slo SHAPE HEALTH_ADDR: the sla: objectives from what the gateway measured
  local shape=$1 health=$2 rc out before
  out=$("$CTL" --addr "$health" --json slo || true)
  before=$(slo_field "$out" availability samples)
  chat fake-gpt >/dev/null
  chat fake-gpt >/dev/null
  chat no-such-model >/dev/null  # 404: the caller's mistake, not the gateway's
  out=$("$CTL" --addr "$health" --json slo || true)
  expect_eq "$shape: llmgwctl slo counts the two chats and not the 404" "$(( $(slo_field "$out" availability samples) - before ))" 2
  expect_eq "$shape: ... from the one gateway, reached" \
    "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["gateways"], d.get("unreachable", []))' <<<"$out")" "1 []"
  expect_eq "$shape: ... p95 overhead within its 250 ms target" "$(slo_field "$out" p95_overhead met)" True
  expect_eq "$shape: ... cost per call measured" "$(python3 -c "print(int('$(slo_field "$out" cost_per_call samples)') > 0)")" True
  # check_llmgwctl's force-fail answered one 502: fewer than 1,000 requests cannot absorb it.
  expect_eq "$shape: ... availability below 99.9% after the forced 502" "$(slo_field "$out" availability met)" False
  rc=0; out=$("$CTL" --addr "$health" slo) || rc=$?
  expect_eq "$shape: llmgwctl slo exits 4 when an objective is not met" "$rc" 4
  expect_contains "$shape: ... and says which" "$out" "availability"
  out=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics")
  expect_contains "$shape: /metrics has the SLO target" "$out" 'llmgw_slo_target{indicator="p95_overhead"} 250'
  expect_contains "$shape: /metrics says availability is not met" "$out" 'llmgw_slo_met{indicator="availability"} 0'
  out=$(cd "$NODE_DIR" && node grpc_health.mjs slo "$health" 2>&1)
  expect_contains "$shape: @grpc/grpc-js reads GetSlo" "$out" "availability current="
  echo "$out" | sed 's/^/    /'
}

check_llmgwctl_admin() {  # check_llmgwctl_admin SHAPE KEYMGR_ADDR SPEND_ADDR: keys and spend from the CLI
  local shape=$1 keymgr=$2 spend=$3 out k
  k=$("$CTL" --addr "$keymgr" --json keys generate --alias "e2e-cli-$shape" --models fake-gpt --rpm 100 \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  out=$(KEY=$k chat fake-gpt)
  expect_eq "$shape: a key from llmgwctl keys generate works" "${out##*$'\n'}" 200
  "$CTL" --addr "$keymgr" keys block "$k" >/dev/null
  if wait_for 1 bash -c "out=\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP_PORT/v1/chat/completions -H 'Authorization: Bearer $k' -d '{\"model\":\"fake-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}'); test \$out = 401"; then
    pass "$shape: llmgwctl keys block: the key is refused within 1 s"
  else
    fail "$shape: llmgwctl keys block did not take effect"
  fi
  "$CTL" --addr "$keymgr" keys unblock "$k" >/dev/null
  expect_contains "$shape: llmgwctl keys list shows it" "$("$CTL" --addr "$keymgr" keys list)" "e2e-cli-$shape"
  wait_for 5 bash -c "\"$CTL\" --addr $spend spend report --group-by model | grep -q '^fake-gpt '" \
    && pass "$shape: llmgwctl spend report has the fake-gpt spend" || fail "$shape: spend report: $("$CTL" --addr "$spend" spend report --group-by model 2>&1)"
}

pick_ports() {
  GRPC_PORT=$(free_port); HTTP_PORT=$(free_port); KEYMGR_PORT=$(free_port)
  ROUTER_PORT=$(free_port); SPEND_PORT=$(free_port); HEALTH_PORT=$(free_port)
}

# ===== bad configurations exit non-zero naming the YAML path =====
pick_ports
write_config "$WORK/good.yaml"
bad_config() {  # bad_config WHAT SED_EXPR EXPECTED_TEXT
  sed "$2" "$WORK/good.yaml" >"$WORK/bad.yaml"
  local out rc=0
  out=$("$LLMGW" serve --config "$WORK/bad.yaml" 2>&1) || rc=$?
  if ((rc != 0)) && [[ "$out" == *"$3"* ]]; then pass "bad config ($1) exits $rc naming $3"
  else fail "bad config ($1): rc=$rc out=$out"; fi
}
bad_config "wrong type" 's/mock_latency_ms: 5/mock_latency_ms: soon/' "model_list[2].litellm_params.mock_latency_ms: expected an integer"
bad_config "negative rpm" 's/{model: mock\/m,/{model: mock\/m, rpm: -3,/' "model_list[2].litellm_params.rpm: must be > 0"
bad_config "misspelt key" 's/extra_headers:/extra_header:/' "model_list[1].litellm_params.extra_header: unknown key; did you mean 'extra_headers'?"
bad_config "missing env var" 's/UPSTREAM_KEY/NOT_SET_IN_E2E/' "model_list[0].litellm_params.api_key: environment variable NOT_SET_IN_E2E"

# ===== shape 1: --target all =====
echo "--- target all"
start llmgw-all "$WORK/all.log" "$LLMGW" serve --config "$WORK/good.yaml" --target all
ALL_PID=$LAST_PID
wait_for 15 curl -sf "http://127.0.0.1:$HTTP_PORT/health/liveliness" || { cat "$WORK/all.log"; exit 1; }
expect_contains "all: /health/readiness is healthy" "$(curl -s "http://127.0.0.1:$HTTP_PORT/health/readiness")" '"status":"healthy"' 
out=$(cd "$NODE_DIR" && node grpc_health.mjs check "127.0.0.1:$GRPC_PORT" "" "${SERVICES[@]}") \
  && pass "all: grpc.health.v1 SERVING for \"\" and the five services" || fail "all: health: $out"
echo "$out" | sed 's/^/    /'
out=$(cd "$NODE_DIR" && node grpc_health.mjs system "127.0.0.1:$GRPC_PORT") \
  && pass "all: @grpc/grpc-js calls HealthAggregator.GetSystemHealth: ${out%%$'\n'*}" || fail "all: GetSystemHealth from Node: $out"
out=$(cd "$NODE_DIR" && node grpc_reflection.mjs "127.0.0.1:$GRPC_PORT")
for s in "${SERVICES[@]}" grpc.health.v1.Health; do expect_contains "all: reflection lists $s" "$out" "$s"; done
check_chat_and_sdk all
check_bad_requests all
check_cancellation all
check_llmgwctl all "127.0.0.1:$GRPC_PORT" "127.0.0.1:$GRPC_PORT"
check_slo all "127.0.0.1:$GRPC_PORT"
check_llmgwctl_admin all "127.0.0.1:$GRPC_PORT" "127.0.0.1:$GRPC_PORT"
# A controlled outage through the gateway: the sign-off table with measured numbers.
out=$("$CTL" --addr "127.0.0.1:$GRPC_PORT" drill drill-primary --gateway "http://127.0.0.1:$HTTP_PORT" \
        --rps 20 --baseline 1s --fail-for 2s --recover-timeout 15s 2>"$WORK/drill.progress")
echo "$out" | sed 's/^/    /'
expect_contains "all: llmgwctl drill shows the fallback that took over" "$out" "| Observed fallback | drill-backup/drill-backup |"
expect_contains "all: ... no client-seen errors" "$out" "| Client-seen errors | 0 "
expect_contains "all: ... the failed deployment recovered" "$out" "| Time to recover | "
if [[ "$out" == *"not within"* ]]; then fail "all: drill: drill-primary did not recover"; fi
expect_contains "all: ... with progress shown while it ran" "$(cat "$WORK/drill.progress")" "forced to fail for 2.0s"
out=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics")
expect_contains "all: /metrics counts the drill's fallbacks" "$out" \
  'llmgw_deployment_successful_fallbacks_total{fallback_model="drill-backup",requested_model="drill-gpt"}'
expect_contains "all: ... and the primary's cooldowns" "$out" 'llmgw_deployment_cooled_down_total{deployment="drill-primary",model_group="drill-gpt"}'
expect_contains "all: ... and the queues" "$out" 'llmgw_spend_spool_entries 0'

# Every command of every runbook, against this suite (and a TLS endpoint on loopback for
# cert-expiry.md).
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
TLS_PORT=$(free_port)
start tls-endpoint "$WORK/tls.log" openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$WORK/tls.crt" -key "$WORK/tls.key" -www -quiet
wait_for 5 bash -c "openssl s_client -connect 127.0.0.1:$TLS_PORT </dev/null 2>/dev/null | grep -q BEGIN"
if out=$(GW="http://127.0.0.1:$HTTP_PORT" LLMGW_ADDR="127.0.0.1:$GRPC_PORT" DEPLOYMENT=drill-primary GROUP=drill-gpt \
           TLS_ENDPOINT="127.0.0.1:$TLS_PORT" CERT_FILE="$WORK/tls.crt" DATA_DIR="$WORK/data" \
           PATH="$BUILD/bin:$PATH" "$HERE/runbook_commands.sh" "$ROOT/docs/runbooks" 2>&1); then
  pass "all: runbook commands: ${out##*$'\n'}"
else
  fail "all: runbook commands failed:"; echo "$out" | grep -A8 '^FAIL'
fi

# SIGTERM: Watch reports NOT_SERVING as soon as the drain starts; the process exits 0.
(cd "$NODE_DIR" && exec node grpc_health.mjs watch "127.0.0.1:$GRPC_PORT" llmgw.router.v1.Router) >"$WORK/watch.txt" 2>&1 &
WATCH_PID=$!; E2E_PIDS+=("$WATCH_PID")
wait_for 5 grep -q SERVING "$WORK/watch.txt"
# And a WatchSystemHealth stream on the aggregator: shutdown must end it cleanly.
(cd "$NODE_DIR" && exec node grpc_health.mjs system-watch "127.0.0.1:$GRPC_PORT") >"$WORK/syswatch.txt" 2>&1 &
SYSWATCH_PID=$!; E2E_PIDS+=("$SYSWATCH_PID")
wait_for 5 grep -q SYSTEM_STATUS "$WORK/syswatch.txt"
# A stream in flight when SIGTERM arrives still finishes.
curl -s -N "http://127.0.0.1:$HTTP_PORT/v1/chat/completions" -H "Authorization: Bearer $KEY" \
  -d '{"model":"slow-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}' >"$WORK/inflight.txt" &
CURL_PID=$!; E2E_PIDS+=("$CURL_PID")
wait_for 5 grep -q 'data: {' "$WORK/inflight.txt"
term_ms=$(date +%s%3N)
kill -TERM "$ALL_PID"
rc=0; wait "$ALL_PID" || rc=$?
expect_eq "all: exit code after SIGTERM" "$rc" 0
wait "$CURL_PID" || true
expect_contains "all: the stream in flight at SIGTERM finished" "$(cat "$WORK/inflight.txt")" "data: [DONE]"
wait_for 5 grep -q NOT_SERVING "$WORK/watch.txt" || true
wait_for 5 grep -q END "$WORK/syswatch.txt" || true
expect_contains "all: an open WatchSystemHealth stream saw NOT_SERVING during the drain" "$(cat "$WORK/syswatch.txt")" "SYSTEM_STATUS_NOT_SERVING"
expect_contains "all: ... and ended when the server went away" "$(cat "$WORK/syswatch.txt")" "END"
not_serving_ms=$(awk '$2=="NOT_SERVING"{print $1; exit}' "$WORK/watch.txt")
if [[ -n "$not_serving_ms" ]] && ((not_serving_ms - term_ms < 1000)); then
  pass "all: Watch saw NOT_SERVING $((not_serving_ms - term_ms)) ms after SIGTERM"
else
  fail "all: Watch did not report NOT_SERVING promptly: $(cat "$WORK/watch.txt")"
fi

# ===== shape 2: five processes =====
echo "--- split: five processes"
pick_ports
write_config "$WORK/split.yaml"
declare -A SPLIT_PIDS
for t in keymgr router spend health gateway; do
  start "llmgw-$t" "$WORK/$t.log" "$LLMGW" serve --config "$WORK/split.yaml" --target "$t"
  SPLIT_PIDS[$t]=$LAST_PID
done
wait_for 15 curl -sf "http://127.0.0.1:$HTTP_PORT/health/liveliness" || { tail -n 5 "$WORK"/*.log; exit 1; }
declare -A PORT_OF=([gateway]=$GRPC_PORT [keymgr]=$KEYMGR_PORT [router]=$ROUTER_PORT [spend]=$SPEND_PORT [health]=$HEALTH_PORT)
declare -A NAME_OF=([gateway]=llmgw.gateway.v1.Inference [keymgr]=llmgw.keymgr.v1.KeyManager
                    [router]=llmgw.router.v1.Router [spend]=llmgw.spend.v1.SpendService
                    [health]=llmgw.health.v1.HealthAggregator)
for t in gateway keymgr router spend health; do
  wait_for 10 bash -c "cd '$NODE_DIR' && node grpc_health.mjs check 127.0.0.1:${PORT_OF[$t]} '' ${NAME_OF[$t]}" \
    && pass "split: $t process SERVING on :${PORT_OF[$t]}" || fail "split: $t not serving"
done
out=$(cd "$NODE_DIR" && node grpc_health.mjs system "127.0.0.1:$HEALTH_PORT") \
  && pass "split: @grpc/grpc-js calls the health process's GetSystemHealth: ${out%%$'\n'*}" || fail "split: GetSystemHealth from Node: $out"
check_chat_and_sdk split
check_bad_requests split
check_cancellation split
check_llmgwctl split "127.0.0.1:$HEALTH_PORT" "127.0.0.1:$ROUTER_PORT"
check_slo split "127.0.0.1:$HEALTH_PORT"
check_llmgwctl_admin split "127.0.0.1:$KEYMGR_PORT" "127.0.0.1:$SPEND_PORT"

# The router process stops: the aggregator reports it and llmgwctl health exits 4; it comes
# back: SERVING again. Times are measured from the kill and from the restart.
kill -TERM "${SPLIT_PIDS[router]}"; wait "${SPLIT_PIDS[router]}" || true
t0=$(date +%s%3N)
if wait_for 5 bash -c "\"$CTL\" --addr 127.0.0.1:$HEALTH_PORT --timeout 1s health; test \$? -eq 4"; then
  pass "split: router stopped -> llmgwctl health exits 4 after $(( $(date +%s%3N) - t0 )) ms"
else
  fail "split: llmgwctl health did not report the stopped router"
fi
out=$("$CTL" --addr "127.0.0.1:$HEALTH_PORT" health 2>&1 || true)
echo "$out" | grep -E 'system|Router' | sed 's/^/    /'
expect_contains "split: ... naming the router as the reason" "$out" "reason: service/llmgw.router.v1.Router: health check failed"
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$HTTP_PORT/health/readiness")
expect_eq "split: ... and /health/readiness answers 503" "${out##*$'\n'}" 503
expect_contains "split: ... listing the router as not serving" "$out" '"name":"service/llmgw.router.v1.Router","status":"NOT_SERVING"'
start llmgw-router "$WORK/router2.log" "$LLMGW" serve --config "$WORK/split.yaml" --target router
SPLIT_PIDS[router]=$LAST_PID
t0=$(date +%s%3N)
if wait_for 10 "$CTL" --addr "127.0.0.1:$HEALTH_PORT" --timeout 1s health; then
  pass "split: router restarted -> SERVING after $(( $(date +%s%3N) - t0 )) ms (process start included)"
else
  fail "split: the system did not come back after the router restarted"
fi
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$HTTP_PORT/health/readiness")
expect_eq "split: /health/readiness is 200 again" "${out##*$'\n'}" 200
expect_contains "split: ... healthy" "$out" '"status":"healthy"'
for t in gateway router keymgr spend health; do
  kill -TERM "${SPLIT_PIDS[$t]}"
  rc=0; wait "${SPLIT_PIDS[$t]}" || rc=$?
  expect_eq "split: $t exits 0 on SIGTERM" "$rc" 0
done

if ((E2E_FAILED)); then
  echo "e2e: FAILED"; for f in "$WORK"/*.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1
fi
echo "e2e: all checks passed"
