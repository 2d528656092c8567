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
ref="${PARCOURS_REF_DIR:-../shared/ref}"
port="${PARCOURS_BENCH_PORT:-18181}"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
url="${PARCOURS_DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}"

PARCOURS_DATABASE_URL="$url" PARCOURS_LOG=error "$bin" serve --bind "127.0.0.1:$port" \
  --ref-dir "$ref" --outbox "$work/outbox" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 600); do
  curl -fs "$base/healthz" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$base/healthz" > /dev/null || { cat "$work/serve.log"; exit 1; }
rss() { awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status"; }
echo "server ready: $(rss) resident ($("$bin" --version 2>/dev/null || echo parcours), $(nproc) cores)"

csrf_of() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
# Signs in through the login form; prints the session cookie.
login() {
  local jar="$work/$1.jar" token
  token=$(curl -fs -c "$jar" -b "$jar" "$base/login" | csrf_of)
  curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$token" \
    --data-urlencode "email=$1" --data-urlencode "password=parcours-demo" \
    --data-urlencode "next=" "$base/login"
  awk '$6 == "parcours_session" { print "parcours_session=" $7 }' "$jar"
}
get() { curl -fs -H "Cookie: $1" "$base$2"; }

person=$(login beneficiaire@demo.parcours.test)
coach=$(login coach@demo.parcours.test)
funder=$(login funder@demo.parcours.test)
# The person consents (once), then answers the first RIASEC question again and again.
token=$(get "$person" /parcours | csrf_of)
curl -fs -o /dev/null -H "Cookie: $person" --data-urlencode "_csrf=$token" "$base/parcours/consentement" || true
token=$(get "$person" /parcours | csrf_of)
riasec=""
for id in $(get "$person" /parcours | grep -o '/activites/[0-9a-f-]\{36\}' | cut -d/ -f3 | sort -u); do
  # Read whole first: grep -q stopping early would fail the pipe under pipefail.
  activity=$(get "$person" "/api/v1/activities/$id")
  if [[ $activity == *'"id":"R1"'* ]]; then riasec=$id; break; fi
done
[ -n "$riasec" ] || { echo "no RIASEC activity for the demo person" >&2; exit 1; }
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
