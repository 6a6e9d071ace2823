#!/usr/bin/env bash
# Every llmgw_* metric the dashboard and the alert rules query is one the code registers, so
# a renamed metric cannot leave a panel or an alert silently empty; the dashboard is valid
# JSON with a query in every panel. Usage: metric_names.sh SOURCE_DIR
set -euo pipefail
ROOT=${1:?usage: metric_names.sh SOURCE_DIR}
registered=$(grep -rhoE '"llmgw_[a-z0-9_]+"' "$ROOT/libs" "$ROOT/services" "$ROOT/apps" --include=*.cc --include=*.h |
             tr -d '"' | sort -u)
python3 - "$ROOT/deploy/monitoring/dashboard.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
empty = [p["title"] for p in d["panels"] if not any(t.get("expr") for t in p.get("targets", []))]
if empty:
    sys.exit(f"FAIL dashboard panels without a query: {empty}")
print(f"ok   dashboard.json: {len(d['panels'])} panels, each with a query")
PY
failed=0
for f in dashboard.json alerts.yaml alerts_test.yaml; do
  for name in $(grep -oE 'llmgw_[a-z0-9_]+' "$ROOT/deploy/monitoring/$f" | sort -u); do
    base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")
    if ! grep -qx -e "$name" -e "$base" <<<"$registered"; then
      echo "FAIL $f queries $name, which no code registers"; failed=1
    fi
  done
done
((failed == 0)) && echo "ok   every metric queried by deploy/monitoring is registered by the code ($(wc -l <<<"$registered") registered)"
exit $failed
