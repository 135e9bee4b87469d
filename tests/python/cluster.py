"""Test kit of the Python client tests: the real intentq programs (broker, workers, gateway
simulator, CLI) as child processes on free loopback ports, read through their readiness lines,
always stopped (SIGTERM, then SIGKILL after a bounded wait).

INTENTQ_BIN_DIR names the directory of the built programs (ctest sets it to build/bin).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from typing import Callable, Optional, Pattern

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bin_dir() -> str:
    path = os.environ.get("INTENTQ_BIN_DIR") or os.path.join(REPO, "build", "bin")
    if not os.path.exists(os.path.join(path, "intentq-broker")):
        raise RuntimeError(f"no intentq-broker in {path}: build first or set INTENTQ_BIN_DIR")
    return path


def clean_env() -> dict[str, str]:
    """The environment for children: no INTENTQ_* leaking in from the test's own settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INTENTQ_")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A child whose stdout is read line by line by a thread (so it never blocks on a full pipe)
    and whose stderr goes to a log file for failure messages."""

    def __init__(self, argv: list[str], log_dir: str, name: str,
                 env: Optional[dict[str, str]] = None) -> None:
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(log_dir, f"{name}-{time.monotonic_ns()}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log,
                                     env=env if env is not None else clean_env())
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def expect(self, pattern: str | Pattern[str], timeout: float = 15.0) -> re.Match[str]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"{self.name} exited (status {self.proc.wait()}) before "
                                     f"printing /{regex.pattern}/; stderr: {self.tail()}")
            self.seen.append(line)
            m = regex.search(line)
            if m:
                return m
        raise AssertionError(f"{self.name} did not print /{regex.pattern}/ within {timeout} s; "
                             f"stdout so far: {self.seen[-5:]}; stderr: {self.tail()}")

    def tail(self, n: int = 2000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


class Cluster:
    """Processes started for one test (or one module); stop() ends them all, newest first."""

    def __init__(self, log_dir: str) -> None:
        self.log_dir = log_dir
        self.processes: list[Process] = []
        self.frontend = self.backend = self.publish = ""
        self.broker: Optional[Process] = None

    def start(self, argv: list[str], name: str) -> Process:
        p = Process(argv, self.log_dir, name)
        self.processes.append(p)
        return p

    def start_broker(self, *extra: str, frontend: str = "tcp://127.0.0.1:*",
                     backend: str = "tcp://127.0.0.1:*",
                     publish: str = "tcp://127.0.0.1:*") -> Process:
        p = self.start([os.path.join(bin_dir(), "intentq-broker"), "--frontend", frontend,
                        "--backend", backend, "--publish", publish, "--log-level", "warn",
                        *extra], "broker")
        m = p.expect(r"intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+)")
        self.frontend, self.backend, self.publish = m.group(1), m.group(2), m.group(3)
        self.broker = p
        return p

    def start_sim(self, *extra: str) -> tuple[Process, str]:
        """The simulator with its built-in scenario (accounts DU1000001, DU1000002)."""
        p = self.start([os.path.join(bin_dir(), "intentq-gwsim"), "--listen", "127.0.0.1:0",
                        "--log-level", "warn", *extra], "gwsim")
        m = p.expect(r"listening on (127\.0\.0\.1:\d+)")
        return p, m.group(1)

    def start_worker(self, *extra: str, gateway: Optional[str] = None,
                     client_id: int = 1, ready: str = r"intentq-worker ready") -> Process:
        args = [os.path.join(bin_dir(), "intentq-worker"), "--broker", self.backend,
                "--heartbeat-ms", "200", "--log-level", "warn", "--client-id", str(client_id)]
        if gateway is None:
            # No gateway: per-job sessions, so it does not keep trying to reach one.
            args += ["--gateway", f"127.0.0.1:{free_port()}", "--gateway-session", "per-job"]
        else:
            args += ["--gateway", gateway]
        p = self.start(args + list(extra), f"worker{client_id}")
        p.expect(ready)
        return p

    def wait_for_service(self, service: str, workers: int = 1, timeout: float = 10.0) -> None:
        """Until the broker counts ``workers`` live workers of ``service`` (a worker prints its
        ready line when READY is sent, a moment before the broker has read it)."""
        import intentq

        with intentq.Client(self.frontend) as client:
            wait_until(lambda: client.stats()["services"].get(service, {}).get("workers", 0)
                       >= workers, timeout, f"{workers} worker(s) of {service}")

    def stop(self) -> None:
        for p in reversed(self.processes):
            p.stop()
        self.processes.clear()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               interval: float = 0.02) -> None:
    """Polls ``predicate`` until true; AssertionError naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)

