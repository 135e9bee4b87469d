#!/usr/bin/env bash
# A compiler launcher that records each compile's CPU time, for build-time figures on a shared
# machine where wall time says little (docs/benchmarks.md "Build time"). One line per unit is
# appended to $INTENTQ_COMPILE_CPU_LOG (default compile-cpu.log in the build directory):
# "<user s> <system s> <wall s> <object>". Use it instead of ccache, on a fresh build directory:
#   cmake -S . -B build-cpu -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=$PWD/scripts/compile-cpu.sh
#   cmake --build build-cpu -j2
#   awk '{split($4,p,"/"); s[p[1]]+=$1+$2} END {for (a in s) print a, s[a]}' build-cpu/compile-cpu.log
set -euo pipefail
out=""
prev=""
for arg in "$@"; do
  [ "$prev" = "-o" ] && out="$arg"
  prev="$arg"
done
exec /usr/bin/time -f "%U %S %e $out" -a -o "${INTENTQ_COMPILE_CPU_LOG:-$PWD/compile-cpu.log}" "$@"
