# Sourced by the scripts that run against the local API (scripts/conformance,
# scripts/browser-test): `start_local_api` starts it as `scripts/run-local --seed` does, in the
# background, returns once it answers, and stops it when the script exits, then shows its log
# (tokens removed) if the script failed. Paths added to `cleanup_paths` are removed then too.
cleanup_paths=()

start_local_api() {
  local_api_log=$(mktemp)
  cleanup_paths+=("$local_api_log")
  scripts/run-local --seed >"$local_api_log" 2>&1 &
  local_api=$!
  trap stop_local_api EXIT
  for _ in $(seq 1 1200); do # the first run builds every function
    grep -q "Client contacts API, local" "$local_api_log" && return 0
    kill -0 "$local_api" 2>/dev/null || { echo "scripts/run-local stopped" >&2; exit 1; }
    sleep 0.5
  done
  echo "the local API did not start in 10 minutes" >&2
  exit 1
}

stop_local_api() {
  local status=$?
  kill -TERM "$local_api" 2>/dev/null || true
  wait "$local_api" 2>/dev/null || true
  [ "$status" = 0 ] || { echo "--- local API log (tokens removed) ---"; grep -v TOKEN= "$local_api_log" | tail -n 200; }
  rm -rf "${cleanup_paths[@]}"
}
