#!/usr/bin/env bash
# The outcomes report over a large programme, on SQLite and on PostgreSQL.
#   bench/outcomes.sh [PARTICIPANTS] [RUNS]
# Seeds PARTICIPANTS (default 1,000,000) with `parcours seed` into a fresh SQLite file
# and a fresh PostgreSQL database, then times `parcours report outcomes --format json`
# RUNS times (default 5) on each and prints every run and the median, in seconds.
# The times are the whole command: start, migrations check, the query, the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
participants="${1:-1000000}"
runs="${2:-5}"
bin="${PARCOURS_BIN:-target/release/parcours}"
pg_admin="${PARCOURS_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
pg_url="${pg_admin%/*}/parcours_bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

bench() {
  local label="$1" url="$2"
  echo "== $label: seeding $participants participants"
  /usr/bin/time -f "   seeded in %e s (max RSS %M KiB)" \
    env PARCOURS_DATABASE_URL="$url" "$bin" seed --programme bench --participants "$participants"
  echo "== $label: report outcomes, $runs runs"
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    PARCOURS_DATABASE_URL="$url" "$bin" report outcomes --programme bench --format json > "$work/report.json"
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '   %s\n' "${times[@]}"
  printf '   median %s s; participants in the report: %s\n' \
    "$(printf '%s\n' "${times[@]}" | median)" \
    "$(grep -m1 '"participants"' "$work/report.json" | tr -dc '0-9')"
}

bench "SQLite" "sqlite://$work/bench.db?mode=rwc"
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS parcours_bench" -c "CREATE DATABASE parcours_bench"
bench "PostgreSQL" "$pg_url"
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS parcours_bench"
