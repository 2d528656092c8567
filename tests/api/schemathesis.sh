#!/usr/bin/env bash
# schemathesis (PyPI) against the API as its OpenAPI document describes it: every
# operation, with generated valid and invalid inputs, signed in as the demo coach and
# then as the demo beneficiary (each sees other operations succeed). Fails on any 5xx
# answer, any answer that does not match its documented schema or content type.
#   tests/api/schemathesis.sh [MAX_EXAMPLES_PER_OPERATION]   (default 25)
# Starts the server itself (PARCOURS_BIN, default target/debug/parcours) on a fresh
# SQLite database with the demo world.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples="${1:-25}"
bin="${PARCOURS_BIN:-${CARGO_TARGET_DIR:-target}/debug/parcours}"
port="${PARCOURS_ST_PORT:-18282}"
command -v st >/dev/null || { echo "schemathesis is missing: pip install schemathesis" >&2; exit 1; }
PARCOURS_LOG=warn
url=""
source bench/lib.sh
start_server

cases=0
for who in coach@demo.parcours.test beneficiaire@demo.parcours.test; do
  cookie=$(login "$who")
  token=$(token_of "$cookie")
  [ -n "$cookie" ] && [ -n "$token" ] || { echo "could not sign in as $who" >&2; exit 1; }
  # Real identifiers where the API takes them, so that operations reach their logic
  # rather than a 404: the person (the coach's first, or the beneficiary's own file),
  # and one of their activities.
  person=$(curl -fs -H "Cookie: $cookie" "$base/home" | grep -o '/beneficiaries/[0-9a-f-]\{36\}' | head -1 | cut -d/ -f3)
  activity=$(curl -fs -H "Cookie: $cookie" "$base/api/v1/beneficiaries/$person/journey" \
    | python3 -c 'import json, sys; a = json.load(sys.stdin).get("activities") or [{}]; print(a[0].get("id", ""))' || true)
  config="$work/st-$who.toml"
  cat > "$config" <<TOML
[[operations]]
include-path-regex = "^/api/v1/beneficiaries/"
parameters = { "path.id" = "$person" }

[[operations]]
include-path-regex = "^/api/v1/activities/"
parameters = { "path.id" = "${activity:-$person}" }
TOML
  out="$work/st-$who.txt"
  set +e
  # One worker: hypothesis describes strategies by parsing Python source, which CPython
  # refuses to do from two threads at once ("AST constructor recursion depth mismatch").
  st --no-color --config-file "$config" run "$base/api/v1/openapi.json" --url "$base" \
    -H "Cookie: $cookie" -H "x-csrf-token: $token" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$examples" --seed 20261124 --workers 1 --request-timeout 20 \
    --generation-database none --phases examples,coverage,fuzzing > "$out" 2>&1
  status=$?
  set -e
  # The summary: "Test cases: N generated, N passed"
  summary=$(grep -A1 -E '^Test cases:' "$out" | tail -1 | sed 's/^ *//')
  n=$(echo "$summary" | grep -oE '[0-9]+ generated' | grep -oE '[0-9]+' || echo 0)
  cases=$((cases + ${n:-0}))
  [ "${ST_SHOW:-}" = 1 ] && cat "$out"
  echo "schemathesis as $who: $summary"
  if [ $status -ne 0 ]; then
    head -c 20000 "$out"
    echo "--- the server's warnings and errors:"
    tail -n 40 "$work/serve.log"
    echo "FAIL: schemathesis found problems as $who" >&2
    exit 1
  fi
done
echo "schemathesis: $cases test cases, no 5xx, no schema or content-type violation"
