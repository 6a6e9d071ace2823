#!/usr/bin/env python3
"""Checks the spans a test OTLP receiver (the fake provider's /_fake/spans) holds for one
trace. Usage: trace_check.py SPANS_JSON TRACE_ID [--parent SPAN_ID] [--services a,b,...]
Prints what it found; exits 1 naming the first rule broken:
  - every span of the trace has a parent in the trace, but one: the gateway's HTTP server
    span, whose parent is --parent (the caller's span) or none;
  - a CLIENT span's child is a SERVER span of the callee (one gRPC hop = client + server);
  - each service of --services has spans in the trace;
  - one provider attempt span (gen_ai.operation.name) whose parent is the router's server span."""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spans")
    ap.add_argument("trace_id")
    ap.add_argument("--parent", default="")
    ap.add_argument("--services", default="")
    a = ap.parse_args()
    with open(a.spans) as f:
        spans = [s for s in json.load(f)["spans"] if s["trace_id"] == a.trace_id]
    if not spans:
        sys.exit(f"FAIL no span of trace {a.trace_id}")
    by_id = {s["span_id"]: s for s in spans}
    roots = [s for s in spans if s["parent_span_id"] not in by_id]
    for s in sorted(spans, key=lambda s: s["start"]):
        parent = by_id.get(s["parent_span_id"])
        print(f'{s["service"]:14} {s["span_id"]} <- {s["parent_span_id"] or "-":16} '
              f'{["", "INTERNAL", "SERVER", "CLIENT"][s["kind"]]:6} {s["name"]}'
              + (f' [parent: {parent["name"]}]' if parent else ""))
    if len(roots) != 1:
        sys.exit(f"FAIL {len(roots)} spans have no parent in the trace: {[r['name'] for r in roots]}")
    root = roots[0]
    if root["kind"] != 2 or not root["name"].startswith("POST /v1/"):
        sys.exit(f"FAIL the root is not the gateway's HTTP server span: {root['name']}")
    if root["parent_span_id"] != a.parent:
        sys.exit(f"FAIL the gateway span's parent is '{root['parent_span_id']}', want '{a.parent}'")
    for s in spans:
        parent = by_id.get(s["parent_span_id"])
        if parent and parent["kind"] == 3 and s["kind"] != 2:
            sys.exit(f"FAIL the child of client span {parent['name']} is not a server span: {s['name']}")
        if parent and parent["kind"] == 3 and parent["name"] != s["name"]:
            sys.exit(f"FAIL client span {parent['name']} has server child {s['name']}")
    services = {s["service"] for s in spans}
    for want in filter(None, a.services.split(",")):
        if want not in services:
            sys.exit(f"FAIL no span from {want} (saw {sorted(services)})")
    attempts = [s for s in spans if "gen_ai.operation.name" in s["attributes"]]
    if len(attempts) != 1:
        sys.exit(f"FAIL {len(attempts)} provider attempt spans, want 1")
    att = attempts[0]
    parent = by_id.get(att["parent_span_id"])
    if not parent or parent["name"] != "llmgw.router.v1.Router/RouteChat" or parent["kind"] != 2:
        sys.exit("FAIL the provider attempt's parent is not the router's RouteChat server span")
    for key in ("gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model",
                "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"):
        if key not in att["attributes"]:
            sys.exit(f"FAIL the provider attempt has no {key}")
    print(f"ok: {len(spans)} spans, one trace, services {sorted(services)}")


main()
