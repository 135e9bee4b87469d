#!/usr/bin/env bash
# intentq demo: installs what is missing, builds, starts a broker and 4 workers (plus the IB
# Gateway simulator when it is built) on free loopback ports, submits one job with the CLI,
# prints the result, and shuts everything down. Exit code 0 = the job came back ok.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh

BIN=build/bin
WORKERS=4
DEMO_INTENT=echo
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

gateway_args=()
if [[ -x "$BIN/intentq-gwsim" ]]; then
  echo "== starting intentq-gwsim (IB Gateway simulator)"
  "$BIN/intentq-gwsim" --listen 127.0.0.1:0 >"$logs/gwsim.log" 2>&1 &
  pids+=($!)
  listening=$(wait_line "$logs/gwsim.log" '^listening on ')
  gateway_args=(--gateway "${listening#listening on }")
  echo "   $listening"
fi

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
"$BIN/intentq" submit "$DEMO_INTENT" --broker "$frontend" --param greeting=hello \
  --param delay_ms=100 --deadline-ms 10000 || status=$?

echo "== broker stats"
"$BIN/intentq" stats --broker "$frontend" || true
exit "$status"
