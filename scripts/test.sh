#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit, integration,
# conformance against an independent IB client), then the unit and integration suites again
# with the broker built with AddressSanitizer + UBSan. Exit code 0 = all passed.
# INTENTQ_SKIP_SANITIZERS=1 skips the sanitizer stage (quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [[ -f tests/conformance/package.json ]]; then
  # The independent IB client (@stoqey/ib), pinned by package-lock.json, into tests/conformance/.
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd build && ctest --output-on-failure --timeout 600 -j "${INTENTQ_TEST_JOBS:-2}")

if [[ "${INTENTQ_SKIP_SANITIZERS:-0}" == 1 ]]; then
  echo "test: sanitizer stage skipped (INTENTQ_SKIP_SANITIZERS=1)"
  exit 0
fi
source scripts/sanitized.sh

# The broker under AddressSanitizer + UBSan (CMake preset "asan", build-asan/): its core and
# codec unit tests, then the broker-process, end-to-end and intents suites (real workers and
# simulator: budget admission, account routing, coalescing) with the sanitized broker
# among the ordinary workers, CLI and simulator. Every report lands in build-asan/reports/;
# any file there fails the run, even if a test tolerated the crash. The whole tree also builds
# and runs sanitized (`cmake --preset asan && cmake --build --preset asan && ctest --preset
# asan`); CI keeps to the broker to stay inside its time budget on 2 cores.
echo "test: broker under ASan+UBSan (build-asan/)"
sanitized_build asan intentq-broker broker_core_test broker_gateway_core_test \
  broker_gateway_budget_test broker_reuse_cache_test mdp_test envelope_test
mixed_bin asan intentq-broker
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
status=0
for t in broker_core_test broker_gateway_core_test broker_gateway_budget_test \
  broker_reuse_cache_test mdp_test envelope_test; do
  build-asan/bin/$t --gtest_brief=1 || status=1
done
# The process suites spend most of their time waiting on the processes they start, so they run
# as three streams at once (intents_integration_tests in two gtest shards): 172 s one after
# another, about 65 s so (docs/benchmarks.md "Build time"). Each stream's output goes to its
# own log, printed when the stream fails.
stream() {  # NAME PROGRAM[@SHARD/SHARDS]...: runs the programs (or one gtest shard of them) in turn
  local log="build-asan/$1.log" spec t part rc=0
  shift
  for spec in "$@"; do
    t=${spec%@*} part=0/1
    [[ $spec == *@* ]] && part=${spec#*@}
    if ! GTEST_TOTAL_SHARDS=${part#*/} GTEST_SHARD_INDEX=${part%/*} \
      INTENTQ_BIN_DIR="$PWD/build-asan/mixed-bin" build/bin/$t --gtest_brief=1 >>"$log" 2>&1; then
      echo "test: $t (shard $part) failed under the sanitized broker:" >&2
      cat "$log" >&2
      rc=1
    fi
  done
  return "$rc"
}
rm -f build-asan/stream-*.log
streams=()
stream stream-1 intents_integration_tests@0/2 &
streams+=($!)
stream stream-2 intents_integration_tests@1/2 broker_process_test &
streams+=($!)
stream stream-3 e2e_tests &
streams+=($!)
for pid in "${streams[@]}"; do wait "$pid" || status=1; done
unset ASAN_OPTIONS UBSAN_OPTIONS
sanitizer_verdict test "$status"
