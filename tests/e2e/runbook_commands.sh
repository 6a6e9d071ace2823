#!/usr/bin/env bash
# Runs every ```sh block of docs/runbooks/*.md against a running suite, so the runbooks'
# commands cannot rot. Usage: runbook_commands.sh RUNBOOK_DIR
# The caller exports what the blocks use: GW (the gateway's base URL), LLMGW_ADDR (its gRPC
# address), LLMGW_MASTER_KEY, DEPLOYMENT (a deployment id), GROUP (its model group), and puts
# llmgwctl on PATH. A block must leave the suite as it found it. Prints one line per block;
# exits 1 when any failed.
set -uo pipefail
dir=${1:?usage: runbook_commands.sh RUNBOOK_DIR}
failed=0 blocks=0
for md in "$dir"/*.md; do
  name=$(basename "$md")
  n=0
  # One file per block: the lines between ```sh and the closing ```.
  tmp=$(mktemp -d)
  awk -v out="$tmp" '/^```sh$/ {n++; f=sprintf("%s/%03d.sh", out, n); inblock=1; next}
                     /^```/ && inblock {inblock=0; next}
                     inblock {print > f}' "$md"
  for block in "$tmp"/*.sh; do
    [[ -e "$block" ]] || continue
    n=$((n + 1)); blocks=$((blocks + 1))
    if out=$(bash -euo pipefail "$block" 2>&1); then
      echo "ok   runbook $name, block $n: $(head -n 1 "$block" | cut -c1-90)"
    else
      echo "FAIL runbook $name, block $n:"; sed 's/^/       /' "$block"; echo "$out" | tail -n 5 | sed 's/^/     > /'
      failed=1
    fi
  done
  rm -rf "$tmp"
done
echo "runbooks: $blocks command blocks run"
((blocks > 0)) || { echo "FAIL no command blocks found in $dir"; exit 1; }
exit $failed
