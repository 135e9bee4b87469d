#!/usr/bin/env bash
# ThreadSanitizer where threads meet (issue 7): the worker's job thread, its gateway connect
# thread and the main loop, and the broker's ZAP handler thread. Builds the CMake preset "tsan"
# (build-tsan/), runs the unit tests labelled `threads` under TSan, then the worker's session and
# gateway-fault integration tests with a TSan-built intentq-worker among the ordinary broker,
# simulator and test programs. Any report fails the run. Needs `bash scripts/build.sh` first.
# libzmq itself is not instrumented; tests/tsan.supp says what that suppresses and why.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset tsan "${launcher[@]}" >/dev/null
cmake --build --preset tsan --target worker_unit_tests curve_test intentq-worker
reports="$PWD/build-tsan/reports"
rm -rf "$reports" build-tsan/mixed-bin
mkdir -p "$reports" build-tsan/mixed-bin
for program in build/bin/*; do ln -s "$PWD/$program" build-tsan/mixed-bin/; done
ln -sf "$PWD/build-tsan/bin/intentq-worker" build-tsan/mixed-bin/intentq-worker
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp:log_path=$reports/tsan"
status=0
(cd build-tsan && ctest -L threads --output-on-failure --timeout 600) || status=1
INTENTQ_BIN_DIR="$PWD/build-tsan/mixed-bin" INTENTQ_SESSION_JOBS=500 \
  build/bin/intents_integration_tests --gtest_brief=1 \
  --gtest_filter='IntentsSession.*:IntentsFaults.*:*IntentsFaultyGateway.*:GatewayRouting.*' || status=1
unset TSAN_OPTIONS
if compgen -G "$reports/*" >/dev/null; then
  echo "tsan: reports:" >&2
  cat "$reports"/* >&2
  status=1
fi
[[ $status == 0 ]] && echo "tsan: passed"
exit $status
