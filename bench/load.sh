#!/usr/bin/env bash
# Every role's main pages at once, reads and writes mixed, with oha on loopback.
#   bench/load.sh [DURATION] [CONNECTIONS_PER_TARGET]     (default 60s, 2)
# Starts `parcours serve` (PARCOURS_BIN, release build by default) on a fresh SQLite
# database with the demo world (or on PARCOURS_DATABASE_URL as it is), signs a user of
# each role in, then runs one oha per target, all at the same time, for DURATION. The
# server's resident memory is sampled every 2 s. Prints each target's requests/s, p50,
# p99 and answers that were not 2xx, then the memory; exits 1 if any answer was an
# error or a failed connection, or if memory grew by more than 25 % (and 30 MB) between
# the end of the first quarter of the run and the end.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60s}"
conns="${2:-2}"
bin="${PARCOURS_BIN:-target/release/parcours}"
port="${PARCOURS_LOAD_PORT:-18383}"
url="${PARCOURS_DATABASE_URL:-}"
source bench/lib.sh
start_server
seconds=${duration%s}

person=$(login beneficiaire@demo.parcours.test)
coach=$(login coach@demo.parcours.test)
manager=$(login manager@demo.parcours.test)
funder=$(login funder@demo.parcours.test)
referrer=$(login referrer@demo.parcours.test)
admin=$(login admin@demo.parcours.test)
riasec=$(riasec_activity_of "$person")
person_token=$(token_of "$person")
coach_token=$(token_of "$coach")
followed=$(get "$coach" /home | grep -o '/beneficiaries/[0-9a-f-]\{36\}' | head -1 | cut -d/ -f3)
results=$(get "$funder" /home | grep -o '/programmes/[0-9a-f-]\{36\}/resultats' | head -1)
[ -n "$followed" ] && [ -n "$results" ] || { echo "no file or programme to load" >&2; exit 1; }

# label|oha arguments (one line per target; | separates the label)
targets=(
  "beneficiary home GET /home|-H Cookie:$person $base/home"
  "beneficiary journey GET /parcours|-H Cookie:$person $base/parcours"
  "beneficiary answer PUT (write)|-m PUT -H Cookie:$person -H x-csrf-token:$person_token -H content-type:application/json -d {\"answers\":[{\"item\":\"R1\",\"value\":\"4\"}]} $base/api/v1/activities/$riasec/answers"
  "coach caseload GET /home|-H Cookie:$coach $base/home"
  "coach file GET /beneficiaries/…|-H Cookie:$coach $base/beneficiaries/$followed"
  "coach note POST (write)|-m POST -H Cookie:$coach -H x-csrf-token:$coach_token -H content-type:application/json -d {\"body\":\"Point\u0020d'étape\",\"visibility\":\"private\"} $base/api/v1/beneficiaries/$followed/notes"
  "manager home GET /home|-H Cookie:$manager $base/home"
  "funder results GET …/resultats|-H Cookie:$funder $base$results"
  "referrer home GET /home|-H Cookie:$referrer $base/home"
  "admin jobs GET /admin/taches|-H Cookie:$admin $base/admin/taches"
)

echo "oha -z $duration -c $conns on each of ${#targets[@]} targets at once; server at $(rss_mb) MB"
( while kill -0 "$server" 2>/dev/null; do echo "$(date +%s) $(rss_mb)"; sleep 2; done ) > "$work/rss.txt" &
sampler=$!
pids=()
for i in "${!targets[@]}"; do
  read -r -a args <<< "${targets[$i]#*|}"
  oha --no-tui --output-format json -z "$duration" -c "$conns" "${args[@]}" > "$work/oha-$i.json" 2> "$work/oha-$i.err" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
kill "$sampler" 2>/dev/null || true

labels="$work/labels.txt"
printf '%s\n' "${targets[@]%%|*}" > "$labels"
python3 - "$work" "$labels" "$seconds" <<'PY'
import json, sys
work, labels, seconds = sys.argv[1], open(sys.argv[2]).read().splitlines(), float(sys.argv[3])
total = bad_total = 0
for i, label in enumerate(labels):
    d = json.load(open(f"{work}/oha-{i}.json"))
    codes = d.get("statusCodeDistribution", {})
    bad = sum(n for c, n in codes.items() if not c.startswith("2"))
    # Requests cut by the end of the run are not errors.
    bad += sum(n for e, n in d.get("errorDistribution", {}).items() if "deadline" not in e)
    p = d["latencyPercentiles"]
    ms = lambda x: "-" if x is None else f"{x * 1000:.1f}"
    done = sum(codes.values())
    total += done; bad_total += bad
    print(f'{label:34} {d["summary"]["requestsPerSec"]:8.0f} req/s  p50 {ms(p["p50"]):>6} ms  p99 {ms(p["p99"]):>6} ms  answers {done:7}  not-2xx {bad}')
print(f'all targets: {total} answers in {seconds:.0f} s ({total / seconds:.0f}/s), {bad_total} not 2xx')
samples = [tuple(map(int, l.split())) for l in open(f"{work}/rss.txt") if len(l.split()) == 2]
if samples:
    t0 = samples[0][0]
    quarter = [m for t, m in samples if t - t0 >= seconds / 4] or [samples[-1][1]]
    start, end, peak = quarter[0], samples[-1][1], max(m for _, m in samples)
    grew = end - start
    flat = grew <= max(30, start * 0.25)
    print(f'memory: {samples[0][1]} MB at start, {start} MB after a quarter, {peak} MB peak, {end} MB at the end ({grew:+d} MB): {"flat" if flat else "GROWING"}')
else:
    flat = False
    print("memory: no sample")
open(f"{work}/verdict", "w").write("ok" if bad_total == 0 and flat and total > 0 else "fail")
PY
if [ "$(cat "$work/verdict")" != ok ]; then
  for f in "$work"/oha-*.err; do [ -s "$f" ] && cat "$f"; done
  echo "FAIL: errors under load or memory growing" >&2
  exit 1
fi
