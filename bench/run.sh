#!/usr/bin/env bash
# The bench harness (docs/performance.md): one command that measures what llmgw adds to a
# request, side by side with a plain nginx proxy_pass hop and Portkey's open-source gateway
# when they are on the machine, with the same client (bench/openloop), payload and rates,
# the runs of all targets interleaved so they share the machine's noise. Prints one table.
#   bench/run.sh [BUILD_DIR] [--rounds N] [--streams N] [--no-peers] [--smoke]
# --smoke: a few requests of each kind, no peers: proves the harness still runs (ctest's
# bench.harness_smoke); its figures mean nothing.
# The gateway under test runs on core 0; the fake provider and the load generators share
# core 1. Everything talks over 127.0.0.1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build ROUNDS=3 STREAMS=10000 PEERS=1
SEQ=2000 OPEN_SECONDS=4 STREAM_SEQ=300 WRK_SECONDS=5
while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --no-peers) PEERS=0 ;;
    --smoke) ROUNDS=1 STREAMS=200 PEERS=0 SEQ=50 OPEN_SECONDS=1 STREAM_SEQ=10 WRK_SECONDS=1 ;;
    *) BUILD=$(cd "$1" && pwd) ;;
  esac
  shift
done
source "$ROOT/tests/e2e/lib.sh"
WORK=$(mktemp -d /tmp/llmgw-bench.XXXXXX)
trap 'e2e_cleanup; rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.jsonl
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# Each held stream is a connection in and one out, in the same processes as their peers.
if (( $(ulimit -n) < 2 * STREAMS + 1000 )); then
  echo "bench: open files are limited to $(ulimit -n); holding $STREAMS streams needs $((2 * STREAMS + 1000)) (run as root, or --streams N)" >&2
fi
sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd=sudo
command -v wrk >/dev/null || $sudo_cmd apt-get install -y -qq wrk >/dev/null
export LLMGW_MASTER_KEY=sk-bench-master-key-0123
LOAD="taskset -c 1 $BUILD/bin/openloop"
CHAT='{"model":"bench","messages":[{"role":"user","content":"Write one sentence about the sea."}]}'
STREAM='{"model":"bench-paced","stream":true,"messages":[{"role":"user","content":"Write one sentence about the sea."}]}'
SLOW='{"model":"bench-slow","stream":true,"messages":[{"role":"user","content":"Write one sentence about the sea."}]}'

# The fake provider, alone on its event loop: ~80 us a request, never the bottleneck at
# these rates. bench-paced streams a chunk every 2 ms (gaps to measure); bench-slow paces
# ten chunks over 2 s (the held streams).
start fake "$WORK/fake.log" taskset -c 1 "$BUILD/bin/fake_provider" --threads 1 --port-file "$WORK/fake.port"
wait_for 10 test -s "$WORK/fake.port"
FAKE=http://127.0.0.1:$(cat "$WORK/fake.port")
curl -sf "$FAKE/_fake/behaviour" -d '{"models":{"bench-paced":{"chunk_delay_ms":2},
  "bench-slow":{"chunk_delay_ms":200,"text":"one two three four five six seven eight nine ten"}}}' >/dev/null

declare -A URL HDR PIDS
TARGETS=(direct)
URL[direct]=$FAKE; HDR[direct]="Authorization: Bearer sk-upstream"; PIDS[direct]=${E2E_PIDS[0]}

# llmgw's config: the three model groups on the fake, nothing else.
llmgw_config() {  # llmgw_config FILE DATA_DIR GRPC HTTP [services yaml]
  cat >"$1" <<YAML
model_list:
  - {model_name: bench, litellm_params: {model: openai/bench, api_base: "$FAKE/v1", api_key: sk-upstream}}
  - {model_name: bench-paced, litellm_params: {model: openai/bench-paced, api_base: "$FAKE/v1", api_key: sk-upstream}}
  - {model_name: bench-slow, litellm_params: {model: openai/bench-slow, api_base: "$FAKE/v1", api_key: sk-upstream}}
general_settings: {master_key: os.environ/LLMGW_MASTER_KEY}
llmgw:
  data_dir: $2
  grpc_listen: 127.0.0.1:$3
  http: {listen: 127.0.0.1:$4}
${5:-}
YAML
}
healthy() { curl -s "http://127.0.0.1:$1/health/readiness" | grep -q '"status":"healthy"'; }
# The request path as users configure it: a key with an rpm limit (never reached) and a
# budget, so keymgr admits and spend reserves and settles every request.
limited_key() {
  curl -sf "http://127.0.0.1:$1/key/generate" -H "Authorization: Bearer $LLMGW_MASTER_KEY" \
    -d '{"key_alias":"bench","models":["bench","bench-paced","bench-slow"],"rpm_limit":100000000,"max_budget":1000000}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

# --target all, on the embedded default (SQLite).
GRPC=$(free_port); HTTP=$(free_port)
llmgw_config "$WORK/all.yaml" "$WORK/data-all" "$GRPC" "$HTTP"
LLMGW_LOG_LEVEL=warn start llmgw-all "$WORK/all.log" taskset -c 0 "$BUILD/bin/llmgw" serve --config "$WORK/all.yaml"
PIDS[all]=$LAST_PID
wait_for 20 healthy "$HTTP"
sleep 1
echo "{\"target\":\"all\",\"test\":\"idle_rss_kb\",\"value\":$(ps -o rss= -p "${PIDS[all]}")}" >>"$RESULTS"
TARGETS+=(all); URL[all]=http://127.0.0.1:$HTTP; HDR[all]="Authorization: Bearer $(limited_key "$HTTP")"

# The split shape: five processes, gRPC over loopback between them.
SGRPC=$(free_port); SHTTP=$(free_port)
llmgw_config "$WORK/split.yaml" "$WORK/data-split" "$SGRPC" "$SHTTP" "  services:
    keymgr: {listen: 127.0.0.1:$(free_port)}
    router: {listen: 127.0.0.1:$(free_port)}
    spend: {listen: 127.0.0.1:$(free_port)}
    health: {listen: 127.0.0.1:$(free_port)}"
PIDS[split]=""
for t in keymgr router spend health gateway; do
  LLMGW_LOG_LEVEL=warn start "llmgw-$t" "$WORK/split-$t.log" taskset -c 0 "$BUILD/bin/llmgw" serve \
    --config "$WORK/split.yaml" --target "$t"
  PIDS[split]+="$LAST_PID "
done
wait_for 30 healthy "$SHTTP"
TARGETS+=(split); URL[split]=http://127.0.0.1:$SHTTP; HDR[split]="Authorization: Bearer $(limited_key "$SHTTP")"

# Peers, when the machine has them (Debian's nginx; Portkey from npm under bench/.peers).
if ((PEERS)); then
  if command -v nginx >/dev/null || $sudo_cmd apt-get install -y -qq nginx-light >/dev/null 2>&1; then
    NGX=$(free_port); mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;  # one process: its CPU time is the hop's
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 30000; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  upstream fake { server 127.0.0.1:${FAKE##*:}; keepalive 256; }
  server {
    listen 127.0.0.1:$NGX;
    location / {
      proxy_pass http://fake; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF
    start nginx "$WORK/nginx.log" taskset -c 0 "$(command -v nginx)" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
    PIDS[nginx]=$LAST_PID
    if wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$NGX/_fake/stats"; then
      TARGETS+=(nginx); URL[nginx]=http://127.0.0.1:$NGX; HDR[nginx]=${HDR[direct]}
    fi
  fi
  PK=$ROOT/bench/.peers/node_modules/@portkey-ai/gateway/build/start-server.js
  if [[ ! -f $PK ]] && command -v npm >/dev/null; then
    timeout 300 npm install --prefix "$ROOT/bench/.peers" --no-audit --no-fund --silent @portkey-ai/gateway >/dev/null 2>&1 || true
  fi
  if [[ -f $PK ]]; then
    PKP=$(free_port)
    NODE_ENV=production start portkey "$WORK/portkey.log" taskset -c 0 node "$PK" --port="$PKP" --headless
    PIDS[portkey]=$LAST_PID
    if wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$PKP/"; then
      TARGETS+=(portkey); URL[portkey]=http://127.0.0.1:$PKP
      HDR[portkey]="x-portkey-provider: openai|x-portkey-custom-host: $FAKE/v1|Authorization: Bearer sk-upstream"
    fi
  fi
fi
echo "targets: ${TARGETS[*]}"
for t in nginx portkey; do
  [[ -n ${PIDS[$t]:-} ]] && echo "{\"target\":\"$t\",\"test\":\"idle_rss_kb\",\"value\":$(ps -o rss= -p "${PIDS[$t]}" | awk '{s+=$1} END {print s}')}" >>"$RESULTS"
done
split_rss=0; for p in ${PIDS[split]}; do split_rss=$((split_rss + $(ps -o rss= -p "$p"))); done
echo "{\"target\":\"split\",\"test\":\"idle_rss_kb\",\"value\":$split_rss}" >>"$RESULTS"

headers() {  # headers TARGET: --header arguments
  local IFS='|'; for h in ${HDR[$1]}; do printf -- '--header\n%s\n' "$h"; done
}
ticks() {  # ticks TARGET: utime + stime of the target's processes, in clock ticks
  local sum=0 p; for p in ${PIDS[$1]}; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $sum
}
measure() {  # measure TARGET TEST ROUND BODY OPENLOOP_ARGS...
  local t=$1 test=$2 round=$3 body=$4; shift 4
  local -a hs; mapfile -t hs < <(headers "$t")
  local before; before=$(ticks "$t")
  local out; out=$($LOAD --url "${URL[$t]}/v1/chat/completions" "${hs[@]}" --body "$body" --json "$@" || true)
  local cpu=$(( ($(ticks "$t") - before) * 1000000 / $(getconf CLK_TCK) ))
  [[ -n $out ]] || out='{"sent":0,"ok":0,"errors":1}'
  echo "{\"target\":\"$t\",\"test\":\"$test\",\"round\":$round,\"cpu_us\":$cpu,\"data\":$out}" >>"$RESULTS"
}

# Warm every target (connections, caches), then the interleaved rounds.
for t in "${TARGETS[@]}"; do measure "$t" warm 0 "$CHAT" --sequential $((SEQ < 300 ? SEQ : 300)); done
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r of $ROUNDS"
  for t in "${TARGETS[@]}"; do measure "$t" c1 "$r" "$CHAT" --sequential "$SEQ"; done
  for t in "${TARGETS[@]}"; do measure "$t" open500 "$r" "$CHAT" --rate 500 --seconds "$OPEN_SECONDS"; done
  for t in "${TARGETS[@]}"; do measure "$t" stream "$r" "$STREAM" --sequential "$STREAM_SEQ" --stream; done
done
# Maximum throughput, closed loop (wrk), non-streaming.
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$CHAT'
wrk.headers["Content-Type"] = "application/json"
for h in string.gmatch(os.getenv("BENCH_HEADERS"), "[^|]+") do
  local k, v = h:match("^([^:]+):%s*(.*)$"); wrk.headers[k] = v
end
done = function(summary, latency, requests)
  io.write(string.format('{"rps":%.0f,"errors":%d}\n', summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
for t in "${TARGETS[@]}"; do
  out=$(BENCH_HEADERS=${HDR[$t]} taskset -c 1 wrk -t1 -c64 -d"${WRK_SECONDS}s" -s "$WORK/post.lua" "${URL[$t]}/v1/chat/completions" | tail -n 1)
  echo "{\"target\":\"$t\",\"test\":\"max_rps\",\"data\":$out}" >>"$RESULTS"
done

# 10,000 slow streams held at once through --target all: peak RSS while they are open.
peak_rss() {  # peak_rss PID STOPFILE: the highest RSS seen until STOPFILE exists
  local peak=0 r; while [[ ! -e $2 ]]; do r=$(ps -o rss= -p "$1" || echo 0); ((r > peak)) && peak=$r; sleep 0.1; done; echo $peak
}
echo "holding $STREAMS streams through --target all"
peak_rss "${PIDS[all]}" "$WORK/stop" >"$WORK/peak" &
sampler=$!
measure all held "$STREAMS" "$SLOW" --concurrent "$STREAMS" --ramp-seconds 2 --stream
touch "$WORK/stop"; wait "$sampler"
echo "{\"target\":\"all\",\"test\":\"held_rss_kb\",\"value\":$(cat "$WORK/peak")}" >>"$RESULTS"
echo "{\"target\":\"all\",\"test\":\"after_rss_kb\",\"value\":$(ps -o rss= -p "${PIDS[all]}")}" >>"$RESULTS"

python3 "$ROOT/bench/report.py" "$RESULTS" "$STREAMS"
