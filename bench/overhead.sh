#!/usr/bin/env bash
# What tracing costs: the same POST /v1/chat/completions through `llmgw serve --target all`
# untraced, exporting every span to an OTLP receiver, and exporting to a collector nobody
# listens on, with wrk (closed loop) and bench/openloop (open loop). The full harness, with
# the split shape, streams, CPU, RSS and the peers, is bench/run.sh (docs/performance.md).
#   bench/overhead.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DURATION=${2:-10}
source "$ROOT/tests/e2e/lib.sh"
command -v wrk >/dev/null || { sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd=sudo;
  $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
WORK=$(mktemp -d /tmp/llmgw-bench.XXXXXX)
trap 'e2e_cleanup; rm -rf "$WORK"' EXIT
export LLMGW_MASTER_KEY=sk-bench-master-key-0123

start fake "$WORK/fake.log" taskset -c 1 "$BUILD/bin/fake_provider" --threads 1 --port-file "$WORK/fake.port"
wait_for 10 test -s "$WORK/fake.port"
FAKE=http://127.0.0.1:$(cat "$WORK/fake.port")
GRPC=$(free_port); HTTP=$(free_port)
cat >"$WORK/config.yaml" <<YAML
model_list:
  - model_name: bench
    litellm_params: {model: openai/bench, api_base: "$FAKE/v1", api_key: sk-upstream}
general_settings: {master_key: os.environ/LLMGW_MASTER_KEY}
llmgw: {data_dir: "$WORK/data", grpc_listen: "127.0.0.1:$GRPC", http: {listen: "127.0.0.1:$HTTP"}}
sla: {max_p95_overhead_ms: 5, min_availability_pct: 99.9, max_cost_per_call_usd: 0.05, window: 30d}
YAML
LLMGW_LOG_LEVEL=warn start llmgw "$WORK/llmgw.log" taskset -c 0 "$BUILD/bin/llmgw" serve --config "$WORK/config.yaml"
wait_for 15 curl -sf "http://127.0.0.1:$HTTP/health/liveliness"
sleep 1
echo "llmgw (all) idle RSS: $(ps -o rss= -p "${E2E_PIDS[1]}") KiB"
# The same gateway with tracing on: exporting every span to a receiver (the fake provider's
# /v1/traces), and exporting to a collector nobody listens on (spans dropped and counted).
traced() {  # traced NAME ENDPOINT: starts a traced copy; its HTTP port goes to $TRACED_HTTP
  local grpc http; grpc=$(free_port); http=$(free_port)
  sed -e "s|127.0.0.1:$GRPC|127.0.0.1:$grpc|; s|127.0.0.1:$HTTP|127.0.0.1:$http|; s|$WORK/data|$WORK/data-$1|" \
    "$WORK/config.yaml" >"$WORK/$1.yaml"
  OTEL_EXPORTER_OTLP_ENDPOINT=$2 OTEL_EXPORTER_OTLP_TIMEOUT=1000 LLMGW_LOG_LEVEL=warn \
    start "$1" "$WORK/$1.log" taskset -c 0 "$BUILD/bin/llmgw" serve --config "$WORK/$1.yaml"
  wait_for 15 curl -sf "http://127.0.0.1:$http/health/liveliness"
  TRACED_HTTP=$http
}
traced llmgw-traced "$FAKE"; TRACED=http://127.0.0.1:$TRACED_HTTP
traced llmgw-deadcollector "http://127.0.0.1:$(free_port)"; DEADCOLLECTOR=http://127.0.0.1:$TRACED_HTTP

cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Write one sentence about the sea."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
done = function(summary, latency, requests)
  io.write(string.format("  rps %.0f  p50 %.0f us  p90 %.0f us  p99 %.0f us  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(90),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
LUA
# The request path as users configure it: a virtual key with model access, an rpm limit
# (high enough never to refuse), a parallel limit and a budget, so every request is also
# admitted by keymgr and reserved and settled by spend.
LIMITED=$(curl -s "http://127.0.0.1:$HTTP/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
  -d '{"key_alias":"bench","models":["bench"],"rpm_limit":100000000,"max_parallel_requests":1000,"max_budget":1000000}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
run() {  # run LABEL URL CONNECTIONS KEY
  echo "$1 (c=$3, ${DURATION}s):"
  BENCH_KEY=$4 wrk -t1 -c"$3" -d"${DURATION}s" -s "$WORK/post.lua" "$2/v1/chat/completions" | grep -E '^  rps'
}
for c in 1 32; do
  run "direct to fake provider" "$FAKE" "$c" "$LLMGW_MASTER_KEY"
  run "through llmgw (all), master key" "http://127.0.0.1:$HTTP" "$c" "$LLMGW_MASTER_KEY"
  run "through llmgw (all), virtual key with rpm + parallel limits + budget" "http://127.0.0.1:$HTTP" "$c" "$LIMITED"
done
# Open loop: a constant arrival rate, latency from each request's due time (bench/openloop.cc),
# so queueing shows; added latency = gateway minus direct at the same rate.
openloop() {  # openloop LABEL URL RATE KEY
  echo "$1 (open loop, $3/s, 5s):"
  "$BUILD/bin/openloop" --url "$2/v1/chat/completions" --rate "$3" --seconds 5 \
    --header "Authorization: Bearer $4" --body '{"model":"bench","messages":[{"role":"user","content":"Write one sentence about the sea."}]}' || true
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/${E2E_PIDS[1]}/stat"; }  # llmgw's utime + stime
cpu_per_request() {  # cpu_per_request TICKS_BEFORE REQUESTS
  echo "  llmgw CPU per request: $(( ($(cpu_ticks) - $1) * 1000000 / $(getconf CLK_TCK) / $2 )) us"
}
for rate in 200 1000; do
  openloop "direct to fake provider" "$FAKE" "$rate" "$LLMGW_MASTER_KEY"
  before=$(cpu_ticks)
  openloop "through llmgw (all), master key" "http://127.0.0.1:$HTTP" "$rate" "$LLMGW_MASTER_KEY"
  cpu_per_request "$before" $((rate * 5))
  before=$(cpu_ticks)
  openloop "through llmgw (all), virtual key with rpm + parallel limits + budget" "http://127.0.0.1:$HTTP" "$rate" "$LIMITED"
  cpu_per_request "$before" $((rate * 5))
done
run "through llmgw (all), master key, tracing every request to an OTLP receiver" "$TRACED" 1 "$LLMGW_MASTER_KEY"
run "through llmgw (all), master key, tracing to an unreachable collector" "$DEADCOLLECTOR" 1 "$LLMGW_MASTER_KEY"
echo "  spans dropped by the latter: $(curl -s "$DEADCOLLECTOR/metrics" | awk '$1=="llmgw_otel_spans_dropped_total"{print int($2)}')"
echo "llmgw RSS after the runs: $(ps -o rss= -p "${E2E_PIDS[1]}") KiB"
echo "the gateway's own view of these runs against sla: (docs/sla.md):"
"$BUILD/bin/llmgwctl" --addr "127.0.0.1:$GRPC" slo | sed 's/^/  /' || true
