#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit, integration,
# conformance against an independent IB client). Exit code 0 = all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [[ -f tests/conformance/package.json ]]; then
  # The independent IB client (@stoqey/ib), pinned by package-lock.json, into tests/conformance/.
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
fi
cd build
ctest --output-on-failure --timeout 600 -j "${INTENTQ_TEST_JOBS:-2}"
