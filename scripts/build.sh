#!/usr/bin/env bash
# Configures and builds intentq into build/ (programs in build/bin/). Extra args go to cmake.
# INTENTQ_BUILD_TARGETS (space-separated) builds only those targets, e.g. the demo's programs.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache, when the machine has it, makes rebuilds of unchanged units free (it is not required).
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
# Two jobs: the machines this runs on have 2 cores, and Asio coroutine units are memory hungry.
targets=()
for t in ${INTENTQ_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build build -j "${INTENTQ_BUILD_JOBS:-2}" "${targets[@]}"
