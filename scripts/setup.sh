#!/usr/bin/env bash
# Installs the Debian packages intentq needs to build, test and run its demo; skips what is
# already present. Debian 12 (bookworm). Run it as any user: as root it calls apt-get directly;
# otherwise it escalates with sudo when sudo is installed, and says what to run when it is not.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libzmq3-dev cppzmq-dev libboost-dev libmsgpack-cxx-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev prometheus-cpp-dev
  libsystemd-dev
  python3 python3-zmq python3-msgpack
  # The Python client (clients/python) and its tests: pip installs it into a venv without an
  # index; pytest runs it against the real programs; mypy --strict checks it; the FastAPI example
  # runs under uvicorn and is driven by httpx.
  python3-setuptools python3-pip python3-venv python3-mypy python3-pytest python3-pytest-asyncio
  python3-fastapi python3-uvicorn python3-httpx
  gnuplot-nox  # bench/plot.sh renders the benchmark charts
  clang-14 libclang-rt-14-dev
  iproute2
  systemd procps
  prometheus  # promtool: the suite checks both metrics expositions and the alert rules
  libssl-dev openssl  # intentq-http: TLS and token digests; its tests make a self-signed cert
  chromium chromium-driver python3-selenium  # the dashboard test drives a headless browser
)
# systemd: `systemd-analyze verify` checks the units in the test suite (a minimal Debian 12
# container has no systemd); procps: /bin/kill, which the broker unit's ExecReload names.
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

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: not root and sudo is not installed; as root run:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: not root: installing with sudo"
  as_root=(sudo)
fi

echo "setup: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
