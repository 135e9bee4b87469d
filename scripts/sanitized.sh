# Sourced by test.sh and tsan.sh: what a sanitizer stage needs around its own test runs.
#   sanitized_build PRESET TARGET...   configure and build the CMake preset's targets
#   mixed_bin PRESET PROGRAM           build-PRESET/mixed-bin: the ordinary programs of build/bin
#                                      with the sanitized PROGRAM among them; sets `reports` to a
#                                      fresh build-PRESET/reports
#   sanitizer_verdict STAGE STATUS     prints every report (any report fails) and exits
sanitized_build() {
  local preset=$1
  shift
  local launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake --preset "$preset" "${launcher[@]}" >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build --preset "$preset" "${targets[@]}"
}

mixed_bin() {
  local dir="build-$1" program=$2
  reports="$PWD/$dir/reports"
  rm -rf "$reports" "$dir/mixed-bin"
  mkdir -p "$reports" "$dir/mixed-bin"
  for p in build/bin/*; do ln -s "$PWD/$p" "$dir/mixed-bin/"; done
  ln -sf "$PWD/$dir/bin/$program" "$dir/mixed-bin/$program"
}

sanitizer_verdict() {
  local stage=$1 status=$2
  if compgen -G "$reports/*" >/dev/null; then
    echo "$stage: sanitizer reports:" >&2
    cat "$reports"/* >&2
    status=1
  fi
  [[ $status == 0 ]] && echo "$stage: sanitizer stage passed"
  exit "$status"
}
