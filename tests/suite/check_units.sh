#!/usr/bin/env bash
# `systemd-analyze verify` accepts every unit in systemd/ as `cmake --install` writes it: the
# install goes to a scratch prefix (no DESTDIR), so the installed units' ExecStart names programs
# that exist there and verify can check them. Any output from verify (errors and warnings such
# as an unknown key) fails the test, and so does a service without a start timeout.
# Usage: check_units.sh CMAKE BUILD_DIR UNIT_SOURCE_DIR
set -euo pipefail
cmake="$1"
build="$2"
sources="$3"
fail() { echo "check_units: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (Debian package systemd; scripts/setup.sh installs it)"
prefix=$(mktemp -d -t intentq-units.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
"$cmake" --install "$build" --prefix "$prefix" >"$prefix/install.log" 2>&1 ||
  { cat "$prefix/install.log" >&2; fail "cmake --install failed"; }
units="$prefix/lib/systemd/system"
n=0
for source in "$sources"/*.service "$sources"/*.target; do
  unit="$units/$(basename "$source")"
  [[ -f "$unit" ]] || fail "$(basename "$source") was not installed"
  grep -q "^ExecStart=/usr/local/bin/" "$unit" && fail "$unit still names /usr/local/bin"
  # `systemctl start` must not hang an administrator's shell (docs/operations.md "Under systemd").
  grep -Eq "^TimeoutStartSec=(infinity|0)\s*$" "$unit" && fail "$(basename "$unit") has no start timeout"
  out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $(basename "$unit"):
$out"
  [[ -z "$out" ]] || fail "systemd-analyze verify $(basename "$unit") warns:
$out"
  n=$((n + 1))
done
((n >= 3)) || fail "expected at least 3 units, verified $n"
echo "systemd-analyze verify: $n units ok"
