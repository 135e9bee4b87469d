#!/usr/bin/env bash
# Builds a libFuzzer target with clang-14 (ASan + UBSan) in build-fuzz/ and runs it for SECONDS
# (default 60) on a copy of its seed corpus.
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET]
#   TARGET tws      (default) the TWS codec, seeds in fuzz/corpus/
#          envelope envelopes and MDP READY frames, seeds in fuzz/envelope_corpus/
#          params   the params schema broker and worker share, seeds in fuzz/params_corpus/
# Crash inputs land in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
target="${2:-tws}"
case "$target" in
  tws) binary=fuzz_tws_codec seeds=fuzz/corpus ;;
  envelope) binary=fuzz_envelope seeds=fuzz/envelope_corpus ;;
  params) binary=fuzz_params seeds=fuzz/params_corpus ;;
  *) echo "fuzz.sh: unknown target '$target' (tws, envelope or params)" >&2; exit 2 ;;
esac
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S . -B build-fuzz -G Ninja -DINTENTQ_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-fuzz --target "$binary" -j "${INTENTQ_BUILD_JOBS:-2}"
# libFuzzer adds what it learns to the first corpus directory; keep the committed seeds pristine.
mkdir -p "build-fuzz/corpus-$target" build-fuzz/crashes
cp -n "$seeds"/* "build-fuzz/corpus-$target/" 2>/dev/null || true
exec "build-fuzz/bin/$binary" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix=build-fuzz/crashes/ -max_len=8192 "build-fuzz/corpus-$target"
