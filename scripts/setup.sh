#!/usr/bin/env bash
# Installs the Debian packages intentq needs to build, test and run its demo; skips what is
# already present. Run as root on Debian 12 (bookworm).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libzmq3-dev cppzmq-dev libboost-dev libmsgpack-cxx-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev prometheus-cpp-dev
  libsystemd-dev
  python3 python3-zmq python3-msgpack
  gnuplot-nox  # bench/plot.sh renders the benchmark charts
  clang-14 libclang-rt-14-dev
  iproute2
)
# iproute2: `ip netns` for the reliability suite's multi-host scenario (tests/reliability/).
# Node.js and npm run the independent IB client check (@stoqey/ib). A machine may already carry
# its own Node build; only install Debian's when there is none.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
