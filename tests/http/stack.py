"""A real intentq stack for the intentq-http tests: broker, IB Gateway simulator, workers and the
HTTP front, each a process on 127.0.0.1 with free ports, started in that order and stopped in
reverse (context manager). Readiness is each program's ready line on stdout, read with a bound;
every wait here is bounded and fails with what it waited for.

Also: a small HTTP/1.1 client on http.client (JSON in and out) and an SSE reader.
"""

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time


class StackError(AssertionError):
    pass


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns something truthy; raises naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise StackError(f"not within {timeout} s: {what} (last: {last!r})")


class Process:
    """One program; its output goes to a log file, scanned for the ready line."""

    def __init__(self, name, argv, ready_re, logdir, timeout=15):
        self.name = name
        self.log_path = os.path.join(logdir, name + ".log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        pattern = re.compile(ready_re)

        def ready():
            if self.proc.poll() is not None:
                raise StackError(f"{name} exited with {self.proc.returncode}:\n{self.output()}")
            return pattern.search(self.output())

        self.ready = wait_for(ready, timeout, f"{name} prints its ready line")

    @property
    def pid(self):
        return self.proc.pid

    def output(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Stack:
    """broker + gwsim + `workers` workers + intentq-http. http_args/gwsim_args/worker_args extend
    the command lines; start_http=False leaves the front to the test (start_http())."""

    def __init__(self, bin_dir, workers=2, http_args=(), gwsim_args=(), worker_args=(),
                 start_http=True, broker_args=()):
        self.bin = bin_dir
        self.logdir = tempfile.mkdtemp(prefix="intentq-http-test.")
        self.procs = []
        self.workers = []
        self.http = None
        self.worker_args = list(worker_args)
        try:
            self.broker = self._start(
                "broker",
                ["intentq-broker", "--frontend", "tcp://127.0.0.1:*", "--backend",
                 "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", *broker_args],
                r"intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+)")
            self.frontend, self.backend, self.publish = self.broker.ready.groups()
            self.gwsim = self._start("gwsim", ["intentq-gwsim", "--listen", "127.0.0.1:0",
                                               *gwsim_args], r"listening on (\S+)")
            self.gateway = self.gwsim.ready.group(1)
            for n in range(1, workers + 1):
                self.add_worker(n)
            if start_http:
                self.start_http(*http_args)
        except BaseException:
            self.close()
            raise

    def _start(self, name, argv, ready_re, timeout=15):
        argv = [os.path.join(self.bin, argv[0])] + argv[1:]
        p = Process(name, argv, ready_re, self.logdir, timeout)
        self.procs.append(p)
        return p

    def add_worker(self, client_id):
        w = self._start(f"worker-{client_id}",
                        ["intentq-worker", "--broker", self.backend, "--client-id", str(client_id),
                         "--gateway", self.gateway, "--heartbeat-ms", "200", *self.worker_args],
                        r"intentq-worker ready")
        self.workers.append(w)
        return w

    def start_http(self, *args, name="http", expect_ready=True):
        argv = ["intentq-http", "--listen", "127.0.0.1:0", "--broker", self.frontend,
                "--publish", self.publish, *args]
        p = self._start(name, argv, r"intentq-http ready listen=(https?)://(\S+)")
        scheme, address = p.ready.groups()
        host, port = address.rsplit(":", 1)
        p.scheme, p.host, p.port = scheme, host, int(port)
        if self.http is None:
            self.http = p
        if expect_ready:
            probe = self.client(p)
            try:
                wait_for(lambda: probe.get("/readyz")[0] == 200, 15,
                         f"{name} reports the broker reachable (GET /readyz 200)")
            finally:
                probe.close()
        return p

    def client(self, front=None, token=None, timeout=30):
        front = front or self.http
        return Client(front.host, front.port, tls=front.scheme == "https", token=token,
                      timeout=timeout)

    def close(self):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - stop the others regardless
                p.kill()

    def logs(self):
        return "\n".join(f"--- {p.name}\n{p.output()[-4000:]}" for p in self.procs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    """HTTP/1.1 keep-alive client; request() returns (status, headers dict, body: JSON or text)."""

    def __init__(self, host, port, tls=False, token=None, timeout=30):
        self.host, self.port, self.tls, self.token, self.timeout = host, port, tls, token, timeout
        self.conn = None

    def _connect(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, body=None, headers=None, raw=None):
        hdrs = dict(headers or {})
        if self.token:
            hdrs.setdefault("Authorization", f"Bearer {self.token}")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed while idle: one fresh try.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        headers_out = {k.lower(): v for k, v in resp.getheaders()}
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        text = payload.decode("utf-8", "replace")
        if headers_out.get("content-type", "").startswith("application/json"):
            try:
                return resp.status, headers_out, json.loads(text)
            except ValueError:
                pass
        return resp.status, headers_out, text

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


class EventReader:
    """Reads a Server-Sent Events response on a raw socket in a thread; events() are (name, data
    as JSON) in arrival order."""

    def __init__(self, front, path, token=None, timeout=30):
        self.sock = socket.create_connection((front.host, front.port), timeout=timeout)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
        self.status = None
        self._events = []
        self._lock = threading.Lock()
        self.closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        wait_for(lambda: self.status is not None or self.closed, 10,
                 f"response headers of GET {path}")

    def _run(self):
        buf = b""
        head_done = False
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if not head_done:
                    if b"\r\n\r\n" not in buf:
                        continue
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    self.status = int(head.split(b" ", 2)[1])
                    head_done = True
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    name, data = "message", None
                    for line in block.decode("utf-8", "replace").split("\n"):
                        if line.startswith("event: "):
                            name = line[7:]
                        elif line.startswith("data: "):
                            data = json.loads(line[6:])
                    if data is not None:
                        with self._lock:
                            self._events.append((name, data))
        except OSError:
            pass
        self.closed = True

    def events(self):
        with self._lock:
            return list(self._events)

    def wait_event(self, match, timeout, what):
        def found():
            for name, data in self.events():
                if match(name, data):
                    return (name, data)
            return None

        return wait_for(found, timeout, what)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


def self_signed_cert(directory):
    """A self-signed certificate and key for 127.0.0.1 (Debian's openssl)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def bin_dir_from_argv():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="directory of the intentq programs")
    args, rest = parser.parse_known_args()
    return os.path.abspath(args.bin), rest


__all__ = ["Stack", "Client", "EventReader", "StackError", "wait_for", "self_signed_cert",
           "bin_dir_from_argv", "signal"]
