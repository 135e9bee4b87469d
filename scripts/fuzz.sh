#!/usr/bin/env bash
# Builds the libFuzzer target for the TWS codec with clang-14 (ASan + UBSan) in build-fuzz/ and
# runs it for SECONDS (default 60) on a copy of the seed corpus in fuzz/corpus/.
# Usage: scripts/fuzz.sh [SECONDS]    Crash inputs land in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S . -B build-fuzz -G Ninja -DINTENTQ_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-fuzz --target fuzz_tws_codec -j "${INTENTQ_BUILD_JOBS:-2}"
# libFuzzer adds what it learns to the first corpus directory; keep the committed seeds pristine.
mkdir -p build-fuzz/corpus build-fuzz/crashes
cp -n fuzz/corpus/* build-fuzz/corpus/ 2>/dev/null || true
exec build-fuzz/bin/fuzz_tws_codec -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix=build-fuzz/crashes/ -max_len=8192 build-fuzz/corpus
