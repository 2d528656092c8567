#!/usr/bin/env bash
# What an anonymous caller can cost with the public search (issue 23, item 9).
#   bench/search.sh [BINARY...]   (default: target/release/parcours)
# For each binary in turn: starts `parcours serve` on a fresh SQLite database with the
# reference data, then, with curl on loopback and no sign-in:
#   - the median time of a short search (`q=boulangere`) and of a 60 KB one, ROUNDS each;
#   - the median time of GET /login alone, then while ATTACKERS loops send the 60 KB
#     search as fast as they can.
# It prints the times in ms and the ratios within the run (60 KB / short, /login under
# attack / alone), which hold on a noisy machine where absolute times do not.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-15}"
attackers="${ATTACKERS:-8}"
bins=("$@")
[[ ${#bins[@]} -gt 0 ]] || bins=(target/release/parcours)

median_ms() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }'; }
time_of() { curl -s -o /dev/null -w '%{time_total}\n' "$@"; }

long_query="$(python3 -c 'print("boulangere" + "a" * 61430)')"
printf 'q=%s' "$long_query" > "${TMPDIR:-/tmp}/parcours-search-60k.txt"
long_file="${TMPDIR:-/tmp}/parcours-search-60k.txt"

n=0
for bin in "${bins[@]}"; do
  n=$((n + 1))
  (
    port=$(( ${PARCOURS_BENCH_PORT:-18700} + n ))
    source bench/lib.sh
    start_server
    search="$base/api/v1/occupations"
    # Warm up (the catalog, the connection pool).
    for _ in 1 2 3; do time_of "$search?q=boulangere" > /dev/null; time_of "$base/login" > /dev/null; done
    short=$(for _ in $(seq "$rounds"); do time_of "$search?q=boulangere"; done | median_ms)
    long=$(for _ in $(seq "$rounds"); do time_of -G --data @"$long_file" "$search"; done | median_ms)
    status=$(curl -s -o /dev/null -w '%{http_code}' -G --data @"$long_file" "$search")
    alone=$(for _ in $(seq "$rounds"); do time_of "$base/login"; done | median_ms)
    pids=()
    for _ in $(seq "$attackers"); do
      ( while true; do curl -s -o /dev/null -G --data @"$long_file" "$search" || true; done ) &
      pids+=($!)
    done
    sleep 1
    attacked=$(for _ in $(seq "$rounds"); do time_of "$base/login"; done | median_ms)
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    echo "$bin"
    echo "  search q=boulangere: ${short} ms; q=60 KB: ${long} ms (status $status), ratio $(awk -v a="$long" -v b="$short" 'BEGIN { printf "%.1f", a / b }')"
    echo "  GET /login alone: ${alone} ms; with $attackers attackers: ${attacked} ms, ratio $(awk -v a="$attacked" -v b="$alone" 'BEGIN { printf "%.1f", a / b }')"
  )
done
rm -f "$long_file"
