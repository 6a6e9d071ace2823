#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running gateway: installs what is
# missing, builds, and starts `llmgw serve --target all` with examples/config.yaml (mock
# models that answer offline, plus OpenAI and Anthropic entries keyed from the environment).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh
scripts/build.sh llmgw
mkdir -p data
if [[ -z "${LLMGW_MASTER_KEY:-}" ]]; then
  # A random master key, kept so restarts reuse it.
  if [[ ! -s data/master_key ]]; then
    (umask 077; echo "sk-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >data/master_key)
  fi
  LLMGW_MASTER_KEY=$(cat data/master_key)
  export LLMGW_MASTER_KEY
fi
for v in OPENAI_API_KEY ANTHROPIC_API_KEY; do
  if [[ -z "${!v:-}" ]]; then
    export "$v=not-set"
    echo "note: $v is not set; models behind it will fail upstream. The mock-* models answer offline."
  fi
done
cat <<TEXT

llmgw is starting on http://127.0.0.1:4000 (OpenAI API) and 127.0.0.1:50051 (gRPC).
API key: $LLMGW_MASTER_KEY

Try it:
  curl http://127.0.0.1:4000/v1/chat/completions \\
    -H "Authorization: Bearer $LLMGW_MASTER_KEY" -H "Content-Type: application/json" \\
    -d '{"model": "mock-gpt", "messages": [{"role": "user", "content": "Hello!"}]}'

Give an app its own key (docs/access-control.md):
  curl http://127.0.0.1:4000/key/generate -H "Authorization: Bearer $LLMGW_MASTER_KEY" \\
    -d '{"key_alias": "my-app", "models": ["mock-gpt"], "rpm_limit": 60, "duration": "30d"}'

Stop with Ctrl-C.
TEXT
exec build/bin/llmgw serve --config examples/config.yaml --target all
