#!/usr/bin/env bash
# intentq demo: installs what is missing, builds, starts the IB Gateway simulator, a broker and
# 4 workers (clientIds 1..4) on free loopback ports, submits one `summary` job with the CLI (four
# gateway requests at once), prints the JSON result and its timings, and shuts everything down.
# Exit code 0 = the job came back ok.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Only the four programs the demo runs: a new machine shows its first job without building the
# tests and the benchmark (scripts/test.sh builds everything).
INTENTQ_BUILD_TARGETS="intentq-broker intentq-worker intentq-gwsim intentq" bash scripts/build.sh

BIN=build/bin
WORKERS=4
DEMO_INTENT=summary
# Every simulator answer waits this long, so the timings show the four fetches overlapping.
DEMO_LATENCY_MS=${DEMO_LATENCY_MS:-50}
logs=$(mktemp -d -t intentq-demo.XXXXXX)
pids=()

cleanup() {
  local pid
  # Workers first (each finishes its job and says DISCONNECT), then the broker (it drains).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT

# Waits (bounded) until file $1 has a line matching regex $2 and prints that line.
wait_line() {
  local file=$1 pattern=$2 line
  for _ in $(seq 1 150); do
    if line=$(grep -m1 -E "$pattern" "$file" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  echo "demo: no line matching '$pattern' in $file after 15 s:" >&2
  cat "$file" >&2
  return 1
}

echo "== starting intentq-broker on free loopback ports"
"$BIN/intentq-broker" --frontend 'tcp://127.0.0.1:*' --backend 'tcp://127.0.0.1:*' \
  --publish 'tcp://127.0.0.1:*' >"$logs/broker.log" 2>&1 &
pids+=($!)
ready=$(wait_line "$logs/broker.log" '^intentq-broker ready ')
frontend=$(sed -E 's/.* frontend=([^ ]+).*/\1/' <<<"$ready")
backend=$(sed -E 's/.* backend=([^ ]+).*/\1/' <<<"$ready")
publish=$(sed -E 's/.* publish=([^ ]+).*/\1/' <<<"$ready")
echo "   $ready"

echo "== starting intentq-gwsim (IB Gateway simulator, default scenario, ${DEMO_LATENCY_MS} ms per answer)"
"$BIN/intentq-gwsim" --listen 127.0.0.1:0 --latency-ms "$DEMO_LATENCY_MS" >"$logs/gwsim.log" 2>&1 &
pids+=($!)
listening=$(wait_line "$logs/gwsim.log" '^listening on ')
gateway_args=(--gateway "${listening#listening on }")
echo "   $listening"

echo "== starting $WORKERS intentq-worker processes"
for n in $(seq 1 "$WORKERS"); do
  "$BIN/intentq-worker" --broker "$backend" --client-id "$n" "${gateway_args[@]}" \
    >"$logs/worker-$n.log" 2>&1 &
  pids+=($!)
done
for n in $(seq 1 "$WORKERS"); do
  echo "   worker $n: $(wait_line "$logs/worker-$n.log" '^intentq-worker ready ')"
done

echo "== intentq submit $DEMO_INTENT"
# Each worker printed its ready line after sending READY; the broker also holds requests for a
# short grace period after its start, so this first submit does not race the registrations.
status=0
"$BIN/intentq" submit "$DEMO_INTENT" --broker "$frontend" --deadline-ms 10000 \
  >"$logs/reply.json" || status=$?
# Pretty-print the reply and sum up its timings (python3 is installed by setup.sh).
python3 - "$logs/reply.json" <<'PY' || cat "$logs/reply.json"
import json, sys
reply = json.load(open(sys.argv[1]))
print(json.dumps(reply, indent=2))
t = reply.get("timings_ms", {})
fetches = {k: t[k] for k in ("positions", "open_orders", "executions", "account_summary") if k in t}
if fetches:
    print(f"timings: connect {t.get('connect')} ms, fetches {fetches} ms, "
          f"fetch phase {t.get('fetch')} ms (sequential would be ~{sum(fetches.values())} ms), "
          f"whole job {t.get('run')} ms")
PY

echo "== broker stats"
"$BIN/intentq" stats --broker "$frontend" || true
exit "$status"
