#!/usr/bin/env bash
# The main pages of each role under load, with oha on loopback.
#   bench/http.sh [DURATION] [CONNECTIONS]
# Starts `parcours serve` (release build) on a fresh SQLite database with the demo world,
# or on PARCOURS_DATABASE_URL as it is (seed it first: `parcours seed`), signs each role
# in with curl, then runs oha for DURATION (default 20s) with CONNECTIONS (default 16)
# against each target, one after the other, the baseline route /livez (no database,
# the cheapest answer) first and last. For each it prints requests/s, p50 and p99 in ms,
# the answers that were not 2xx, and its throughput as a share of the baseline's.
# The server's resident memory is printed at start, after the reference data is
# loaded, and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
conns="${2:-16}"
bin="${PARCOURS_BIN:-target/release/parcours}"
port="${PARCOURS_BENCH_PORT:-18181}"
url="${PARCOURS_DATABASE_URL:-}"
source bench/lib.sh
start_server
rss() { echo "$(rss_mb) MB"; }
echo "server ready: $(rss) resident ($("$bin" --version 2>/dev/null || echo parcours), $(nproc) cores)"

person=$(login beneficiaire@demo.parcours.test)
coach=$(login coach@demo.parcours.test)
funder=$(login funder@demo.parcours.test)
# The person consents (once), then answers the first RIASEC question again and again.
riasec=$(riasec_activity_of "$person")
token=$(token_of "$person")
# The results of the generated programme when there is one (parcours seed), else the
# funder's first programme.
results=$(get "$funder" /home | python3 -c '
import re, sys
links = re.findall(r"href=\"(/programmes/[0-9a-f-]{36}/resultats)\">([^<]*)<", sys.stdin.read())
wanted = [href for href, text in links if sys.argv[1] in text]
print((wanted or [href for href, _ in links] or [""])[0])' "${PARCOURS_BENCH_PROGRAMME:-generated}")
# A ROME fiche (D1102: boulangerie – viennoiserie).
fiche="/metiers/${PARCOURS_BENCH_FICHE:-D1102}"

# oha's JSON summary -> "rps p50_ms p99_ms non2xx"
measure() {
  local json="$work/oha.json"
  oha --no-tui --output-format json -z "$duration" -c "$conns" "$@" > "$json"
  python3 - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
codes = d.get("statusCodeDistribution", {})
bad = sum(n for code, n in codes.items() if not code.startswith("2"))
# Requests cut by the end of the run are not errors.
bad += sum(n for e, n in d.get("errorDistribution", {}).items() if "deadline" not in e)
p = d["latencyPercentiles"]
ms = lambda x: "-" if x is None else f"{x * 1000:.1f}"  # no answer at all: no latency
print(f'{d["summary"]["requestsPerSec"]:.0f} {ms(p["p50"])} {ms(p["p99"])} {bad}')
PY
}

baseline=0
row() {
  local label="$1"; shift
  read -r rps p50 p99 bad < <(measure "$@")
  if [ "$baseline" = 0 ]; then baseline=$rps; fi
  printf '%-34s %8s req/s  p50 %6s ms  p99 %6s ms  not-2xx %-5s %5s %% of baseline\n' \
    "$label" "$rps" "$p50" "$p99" "$bad" "$(python3 -c "print(round(100 * $rps / $baseline))")"
}
answer='{"answers":[{"item":"R1","value":"3"}]}'
echo "oha -z $duration -c $conns, one target at a time; memory now $(rss)"
row "baseline GET /livez" "$base/livez"
row "beneficiary home GET /home" -H "Cookie: $person" "$base/home"
row "answer PUT /api/v1/activities/…" -m PUT -H "Cookie: $person" -H "x-csrf-token: $token" \
  -H "content-type: application/json" -d "$answer" "$base/api/v1/activities/$riasec/answers"
row "coach caseload GET /home" -H "Cookie: $coach" "$base/home"
row "fiche GET $fiche" -H "Cookie: $coach" "$base$fiche"
row "funder dashboard GET …/resultats" -H "Cookie: $funder" "$base$results"
row "baseline GET /livez (again)" "$base/livez"
echo "server memory at the end: $(rss)"
