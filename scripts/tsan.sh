#!/usr/bin/env bash
# ThreadSanitizer where threads meet (issue 7): the worker's job thread, its gateway connect
# thread and the main loop, and the broker's ZAP handler thread. Builds the CMake preset "tsan"
# (build-tsan/), runs the unit tests labelled `threads` under TSan, then the worker's session and
# gateway-fault integration tests with a TSan-built intentq-worker among the ordinary broker,
# simulator and test programs. Any report fails the run. Needs `bash scripts/build.sh` first.
# libzmq itself is not instrumented; tests/tsan.supp says what that suppresses and why.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitized.sh
sanitized_build tsan worker_unit_tests curve_test intentq-worker
mixed_bin tsan intentq-worker
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp:log_path=$reports/tsan"
status=0
(cd build-tsan && ctest -L threads --output-on-failure --timeout 600) || status=1
INTENTQ_BIN_DIR="$PWD/build-tsan/mixed-bin" INTENTQ_SESSION_JOBS=500 \
  build/bin/intents_integration_tests --gtest_brief=1 \
  --gtest_filter='IntentsSession.*:IntentsFaults.*:*IntentsFaultyGateway.*:GatewayRouting.*' || status=1
unset TSAN_OPTIONS
sanitizer_verdict tsan "$status"
