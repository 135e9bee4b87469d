#!/usr/bin/env bash
# `cmake --install` into a staging directory (DESTDIR) with a non-default prefix lays out the
# programs, systemd units and docs as Debian does, and the units start the installed programs.
# Usage: check_install.sh CMAKE BUILD_DIR
set -euo pipefail
cmake="$1"
build="$2"
fail() { echo "check_install: $*" >&2; exit 1; }
stage=$(mktemp -d -t intentq-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/intentq-test
DESTDIR="$stage" "$cmake" --install "$build" --prefix "$prefix" >"$stage.log" 2>&1 ||
  { cat "$stage.log" >&2; rm -f "$stage.log"; fail "cmake --install failed"; }
rm -f "$stage.log"
root="$stage$prefix"
for p in intentq-broker intentq-worker intentq-gwsim intentq intentq-http; do
  [[ -x "$root/bin/$p" ]] || fail "bin/$p missing or not executable"
done
"$root/bin/intentq" --help >/dev/null || fail "the installed intentq does not run"
units="$root/lib/systemd/system"
for u in intentq-broker.service intentq-worker@.service intentq-workers.target intentq-http.service; do
  [[ -f "$units/$u" ]] || fail "lib/systemd/system/$u missing"
done
grep -q "^ExecStart=$prefix/bin/intentq-broker " "$units/intentq-broker.service" ||
  fail "intentq-broker.service does not start $prefix/bin/intentq-broker"
grep -q "^ExecStart=$prefix/bin/intentq-worker " "$units/intentq-worker@.service" ||
  fail "intentq-worker@.service does not start $prefix/bin/intentq-worker"
grep -q "^ExecStart=$prefix/bin/intentq-http " "$units/intentq-http.service" ||
  fail "intentq-http.service does not start $prefix/bin/intentq-http"
for d in README.md protocol.md operations.md gateway.md benchmarks.md http.md; do
  [[ -f "$root/share/doc/intentq/$d" ]] || fail "share/doc/intentq/$d missing"
done
extra=$(cd "$stage" && find . -type f | grep -Ev "^\.$prefix/(bin|lib/systemd/system|share/doc/intentq)/" || true)
[[ -z "$extra" ]] || fail "unexpected files installed: $extra"
echo "install layout ok under $prefix"
