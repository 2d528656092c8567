# Shared by bench/http.sh, bench/load.sh and tests/api/schemathesis.sh (sourced):
# starts `parcours serve` and signs demo users in through the login form.
# Before sourcing, set: bin (the binary), port; optional: ref (reference data dir),
# url (database; a fresh SQLite file in a temporary directory by default).
# After start_server: $work (temporary directory, removed on exit), $base, $server.

work="$(mktemp -d)"
base="http://127.0.0.1:$port"
ref="${ref:-${PARCOURS_REF_DIR:-../shared/ref}}"
url="${url:-sqlite://$work/bench.db?mode=rwc}"

start_server() {
  PARCOURS_DATABASE_URL="$url" PARCOURS_LOG="${PARCOURS_LOG:-error}" "$bin" serve \
    --bind "127.0.0.1:$port" --ref-dir "$ref" --outbox "$work/outbox" > "$work/serve.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 600); do
    curl -fs "$base/healthz" > /dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "$base/healthz" > /dev/null || { cat "$work/serve.log"; exit 1; }
}

# Resident memory of the server, in MB.
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status"; }
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
# The CSRF token of a signed-in session (API writes send it in x-csrf-token).
token_of() { get "$1" /home | csrf_of; }
# The person (cookie) consents if they have not, then: the id of their RIASEC activity,
# whose first question the benchmarks answer again and again.
riasec_activity_of() {
  local token id activity
  token=$(get "$1" /parcours | csrf_of)
  curl -fs -o /dev/null -H "Cookie: $1" --data-urlencode "_csrf=$token" "$base/parcours/consentement" || true
  for id in $(get "$1" /parcours | grep -o '/activites/[0-9a-f-]\{36\}' | cut -d/ -f3 | sort -u); do
    # Read whole first: grep -q stopping early would fail the pipe under pipefail.
    activity=$(get "$1" "/api/v1/activities/$id")
    if [[ $activity == *'"id":"R1"'* ]]; then echo "$id"; return; fi
  done
  echo "no RIASEC activity for the demo person" >&2
  return 1
}
