#!/usr/bin/env bash
# Configures and builds intentq into build/ (programs in build/bin/). Extra args go to cmake.
# INTENTQ_BUILD_TARGETS (space-separated) builds only those targets, e.g. the demo's programs.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache, when the machine has it, makes rebuilds of unchanged units free (it is not required).
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Units built with a precompiled header (INTENTQ_PCH) are cached only with this sloppiness: the
# header is rebuilt on every clean build, so its time stamp and defines must not count.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}pch_defines,time_macros,include_file_mtime,include_file_ctime"
# Line tables only (-g1): backtraces, perf and sanitizer reports still name file:line, and the
# -O2 units compile 21-33 % faster than with full debug info (docs/benchmarks.md "Build time").
# INTENTQ_DEBUG_INFO=-g gives gdb the variables too.
debug_info="${INTENTQ_DEBUG_INFO:--g1}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 $debug_info -DNDEBUG" "${launcher[@]}" "$@" >/dev/null
# Two jobs: the machines this runs on have 2 cores, and Asio coroutine units are memory hungry.
targets=()
for t in ${INTENTQ_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build build -j "${INTENTQ_BUILD_JOBS:-2}" "${targets[@]}"
