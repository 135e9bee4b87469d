#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit, integration,
# conformance against an independent IB client), then the unit and integration suites again
# under AddressSanitizer + UBSan (CMake preset "asan") and the threaded units under
# ThreadSanitizer (preset "tsan"). Exit code 0 = all passed.
# INTENTQ_SKIP_SANITIZERS=1 skips the two sanitizer stages (quick local runs).
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
  echo "test: sanitizer stages skipped (INTENTQ_SKIP_SANITIZERS=1)"
  exit 0
fi
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

echo "test: unit and integration suites under ASan+UBSan (build-asan/)"
cmake --preset asan "${launcher[@]}" >/dev/null
cmake --build --preset asan
ctest --preset asan

echo "test: threaded units under ThreadSanitizer (build-tsan/)"
cmake --preset tsan "${launcher[@]}" >/dev/null
cmake --build --preset tsan --target worker_unit_tests when_all_test
# The job thread (JobThread: a thread per job, joined at job end, cancelled at the deadline)
# and the coroutine fan-in are where threads meet; libzmq is not instrumented, so tests that
# drive zmq sockets from several threads are left to ASan.
TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/worker_unit_tests --gtest_filter='*Job*:*Runner*'
TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/when_all_test
