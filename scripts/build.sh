#!/usr/bin/env bash
# Configures and builds intentq into build/ (programs in build/bin/). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# Two jobs: the machines this runs on have 2 cores, and Asio coroutine units are memory hungry.
cmake --build build -j "${INTENTQ_BUILD_JOBS:-2}"
