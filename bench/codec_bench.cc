// The per-request JSON work on the hot path: parsing a client's chat request, writing the
// upstream request, and writing responses and stream chunks back. Prints ns per operation.
#include <benchmark/benchmark.h>

#include "llmgw/providers/openai_json.h"

namespace {

const char kRequest[] = R"({"model":"gpt-4o-mini","temperature":0.2,"max_tokens":256,
  "stream":true,"stream_options":{"include_usage":true},
  "messages":[{"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"Write one sentence about the sea, please."}]})";

const char kChunk[] = R"({"id":"chatcmpl-9x","object":"chat.completion.chunk","created":1717000000,
  "model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" waves"},"finish_reason":null}],"usage":null})";

void BM_ParseClientRequest(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(llmgw::providers::ParseChatRequest(kRequest));
}
BENCHMARK(BM_ParseClientRequest);

void BM_WriteUpstreamRequest(benchmark::State& state) {
  auto r = *llmgw::providers::ParseChatRequest(kRequest);
  for (auto _ : state) {
    benchmark::DoNotOptimize(llmgw::providers::ChatRequestToJson(r, {.model = "gpt-4o-mini-2024"}));
  }
}
BENCHMARK(BM_WriteUpstreamRequest);

void BM_ChunkUpstreamToClient(benchmark::State& state) {
  for (auto _ : state) {
    auto c = llmgw::providers::ParseChatChunk(kChunk);
    benchmark::DoNotOptimize(llmgw::providers::ChatChunkToJson(*c, true));
  }
}
BENCHMARK(BM_ChunkUpstreamToClient);

}  // namespace

BENCHMARK_MAIN();
