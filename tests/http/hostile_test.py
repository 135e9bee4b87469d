#!/usr/bin/python3
"""intentq-http under hostile or careless clients, and its security settings, on a real stack:
bearer tokens (401, counted, SIGHUP reload), TLS with a self-signed certificate, a public bind
refused without tokens and TLS, slowloris (100 connections sending a header byte a second while
a normal request is answered in < 1 s), 10,000 requests in a burst, malformed requests, a slow
event-stream reader dropped, memory bounded throughout.

Usage: hostile_test.py --bin BUILD/bin [unittest args]
"""

import concurrent.futures
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import Client, EventReader, Stack, self_signed_cert, wait_for, bin_dir_from_argv  # noqa: E402

BIN, REST = bin_dir_from_argv()
TOKEN_A = "alice-0123456789abcdef0123456789"
TOKEN_B = "bob-fedcba9876543210fedcba98765432"


def metric(text, name, labels):
    m = re.search(re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)", text)
    return float(m.group(1)) if m else 0.0


class Security(unittest.TestCase):
    def test_tokens_refusals_counted_and_reloaded_on_sighup(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tokens")
            with open(path, "w") as f:
                f.write(f"# name token\nalice {TOKEN_A}\n")
            with Stack(BIN, workers=1, start_http=False) as stack:
                front = stack.start_http("--tokens", path, expect_ready=False)
                anon, wrong = stack.client(front), stack.client(front, token="x" * 30)
                alice, bob = stack.client(front, token=TOKEN_A), stack.client(front, token=TOKEN_B)
                # Probes and the page need no token.
                self.assertEqual(anon.get("/healthz")[0], 200)
                self.assertEqual(anon.get("/")[0], 200)
                status, headers, body = anon.post("/v1/jobs/echo", {})
                self.assertEqual(status, 401, body)
                self.assertEqual(body["error"]["code"], "UNAUTHORIZED")
                self.assertTrue(headers["www-authenticate"].startswith("Bearer"))
                for _ in range(3):
                    self.assertEqual(wrong.get("/v1/stats")[0], 401)
                self.assertEqual(anon.get("/metrics")[0], 401)
                wait_for(lambda: alice.get("/readyz")[0] == 200, 15, "the front ready")
                status, _, body = alice.post("/v1/jobs/echo", {"params": {"a": 1}})
                self.assertEqual(status, 200, body)
                status, _, text = alice.get("/metrics")
                self.assertEqual(metric(text, "intentq_http_auth_refused_total", 'reason="missing"'), 2)
                self.assertEqual(metric(text, "intentq_http_auth_refused_total", 'reason="wrong"'), 3)
                self.assertIn("refused", front.output())  # logged
                # Reload: bob in, alice out.
                with open(path, "w") as f:
                    f.write(f"bob {TOKEN_B}\n")
                front.signal(signal.SIGHUP)
                wait_for(lambda: bob.get("/v1/stats")[0] == 200, 10, "bob's token works")
                self.assertEqual(alice.get("/v1/stats")[0], 401)
                # A broken file keeps the tokens loaded before.
                with open(path, "w") as f:
                    f.write("only-a-name\n")
                front.signal(signal.SIGHUP)
                wait_for(lambda: "keeping the 1 token" in front.output(), 10,
                         "the bad file reported")
                self.assertEqual(bob.get("/v1/stats")[0], 200)
                for c in (anon, wrong, alice, bob):
                    c.close()

    def test_tls_with_a_self_signed_certificate(self):
        with tempfile.TemporaryDirectory() as d:
            cert, key = self_signed_cert(d)
            with Stack(BIN, workers=1, http_args=["--tls-cert", cert, "--tls-key", key]) as stack:
                front = stack.http
                self.assertEqual(front.scheme, "https")
                c = stack.client()
                status, _, body = c.post("/v1/jobs/echo", {"params": {"tls": True}})
                self.assertEqual(status, 200, body)
                self.assertEqual(body["result"], {"tls": True})
                # The certificate served is the one given.
                ctx = ssl.create_default_context(cafile=cert)
                ctx.check_hostname = False
                with socket.create_connection((front.host, front.port), timeout=10) as raw:
                    with ctx.wrap_socket(raw) as s:
                        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 200"))
                # Plain HTTP to the TLS port gets no answer of the API.
                with socket.create_connection((front.host, front.port), timeout=10) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    try:
                        answer = s.recv(100)
                    except ConnectionResetError:
                        answer = b""
                    self.assertFalse(answer.startswith(b"HTTP/1.1 200"), answer)
                c.close()

    def test_public_bind_needs_tokens_and_tls(self):
        http = os.path.join(BIN, "intentq-http")
        r = subprocess.run([http, "--listen", "0.0.0.0:0"], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 78, r)
        self.assertIn("not a loopback address", r.stdout + r.stderr)
        with tempfile.TemporaryDirectory() as d:
            cert, key = self_signed_cert(d)
            tokens = os.path.join(d, "tokens")
            with open(tokens, "w") as f:
                f.write(f"alice {TOKEN_A}\n")
            r = subprocess.run([http, "--listen", "0.0.0.0:0", "--tokens", tokens],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 78, r)
            for args in (["--tokens", tokens, "--tls-cert", cert, "--tls-key", key],
                         ["--insecure-allow-public"]):
                p = subprocess.Popen([http, "--listen", "0.0.0.0:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                try:
                    line = p.stdout.readline()
                    self.assertTrue(line.startswith("intentq-http ready listen="), (args, line))
                finally:
                    p.terminate()
                    p.wait(10)
            with open(tokens, "w") as f:
                f.write("alice short\n")
            r = subprocess.run([http, "--tokens", tokens], capture_output=True, text=True,
                               timeout=20)
            self.assertEqual(r.returncode, 78, r)
            self.assertIn("tokens:1: token of 'alice' is shorter than 16 bytes", r.stdout + r.stderr)


    def test_config_file_environment_and_sd_notify(self):
        # flag > INTENTQ_* > --config file > default, like every program; READY=1 to systemd.
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "http.conf")
            with open(conf, "w") as f:
                f.write("broker = tcp://127.0.0.1:1\npublish = tcp://127.0.0.1:2\n"
                        "listen = 127.0.0.1:1\nlog-format = json\n")
            notify_path = os.path.join(d, "notify")
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(notify_path)
            notify.settimeout(10)
            env = dict(os.environ, INTENTQ_PUBLISH="tcp://127.0.0.1:3",
                       NOTIFY_SOCKET=notify_path)
            p = subprocess.Popen([os.path.join(BIN, "intentq-http"), "--config", conf,
                                  "--listen", "127.0.0.1:0"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            try:
                line = p.stdout.readline()
                self.assertIn("broker=tcp://127.0.0.1:1 ", line)   # from the file
                self.assertIn("publish=tcp://127.0.0.1:3 ", line)  # the environment beats it
                self.assertRegex(line, r"listen=http://127\.0\.0\.1:\d+ ")  # the flag wins
                self.assertNotIn("listen=http://127.0.0.1:1 ", line)
                messages = []
                wait_for(lambda: messages.append(notify.recv(4096).decode()) or
                         any("READY=1" in m for m in messages), 10, "READY=1 on NOTIFY_SOCKET")
                p.terminate()
                _, err = p.communicate(timeout=10)
                self.assertEqual(p.returncode, 0, err)
                first = err.splitlines()[0]
                self.assertTrue(first.startswith("{") and '"program":"http"' in first.replace(" ", ""),
                                first)
            finally:
                if p.poll() is None:
                    p.kill()
                notify.close()

    def test_curve_toward_the_broker(self):
        with tempfile.TemporaryDirectory() as d:
            keys = os.path.join(d, "keys")
            intentq = os.path.join(BIN, "intentq")
            for name in ("broker", "worker", "http", "stranger"):
                subprocess.run([intentq, "keygen", keys, "--name", name], check=True,
                               capture_output=True, timeout=20)
            allow = os.path.join(d, "allow")
            for domain, name in (("clients", "http"), ("workers", "worker"),
                                 ("subscribers", "http")):
                os.makedirs(os.path.join(allow, domain), exist_ok=True)
                with open(os.path.join(keys, name + ".key")) as src, \
                        open(os.path.join(allow, domain, name + ".key"), "w") as dst:
                    dst.write(src.read())
            server_key = os.path.join(keys, "broker.key")

            def curve(name):
                return ["--curve-server-key", server_key, "--curve-secret",
                        os.path.join(keys, name + ".key_secret")]

            with Stack(BIN, workers=1, broker_args=["--curve-secret",
                                                    os.path.join(keys, "broker.key_secret"),
                                                    "--curve-allow", allow],
                       worker_args=curve("worker"), http_args=curve("http")) as stack:
                stream = EventReader(stack.http, "/v1/stream")
                c = stack.client()
                status, _, body = c.post("/v1/jobs/echo", {"id": "curve-1"})
                self.assertEqual(status, 200, body)
                stream.wait_event(lambda n, d: d.get("reply", {}).get("id") == "curve-1", 10,
                                  "the result through the CURVE subscriber")
                stream.close()
                # A front whose key the broker does not allow never gets an answer.
                stranger = stack.start_http(*curve("stranger"), name="http-stranger",
                                            expect_ready=False)
                sc = stack.client(stranger)
                time.sleep(4)  # the subject: 4 s without an mmi.stats answer (fresh for 3 s)
                self.assertEqual(sc.get("/readyz")[0], 503)
                # Its jobs are answered at once (no connection: 503) or at their deadline, and
                # the front keeps serving (a blocking send once hung its only thread here).
                t0 = time.monotonic()
                status, headers, body = sc.post("/v1/jobs/echo", {"deadline_ms": 500})
                self.assertIn(status, (503, 504), body)
                if status == 503:
                    self.assertEqual(body["error"]["code"], "BROKER_UNREACHABLE")
                    self.assertEqual(headers["retry-after"], "5")
                self.assertLess(time.monotonic() - t0, 10)
                self.assertEqual(sc.get("/healthz")[0], 200)
                sc.close()
                c.close()


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BIN, workers=2, http_args=["--request-timeout-ms", "2000",
                                                     "--sse-buffer-bytes", "65536"])

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def rss(self):
        return self.stack.http.rss_kib()

    def test_slowloris_holds_nothing(self):
        front = self.stack.http
        stop = threading.Event()
        socks = []
        for _ in range(100):
            s = socket.create_connection((front.host, front.port), timeout=10)
            socks.append(s)
        request = b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 100

        def drip(i):
            # One byte a second per connection, until the server closes it or the test ends.
            for b in request:
                if stop.wait(1.0):
                    return
                try:
                    socks[i].send(bytes([b]))
                except OSError:
                    return

        threads = [threading.Thread(target=drip, args=(i,), daemon=True) for i in range(100)]
        for t in threads:
            t.start()
        try:
            c = self.stack.client()
            worst = 0.0
            end = time.monotonic() + 6
            while time.monotonic() < end:
                t0 = time.monotonic()
                status, _, body = c.post("/v1/jobs/echo", {"params": {"during": "slowloris"}})
                worst = max(worst, time.monotonic() - t0)
                self.assertEqual(status, 200, body)
                c.close()  # a new connection each time: accepting must go on too
                stop.wait(0.2)
            self.assertLess(worst, 1.0, f"a normal request took {worst:.3f} s under slowloris")
            print(f"\nslowloris: worst normal request {worst * 1000:.1f} ms", file=sys.stderr)

            # Every slow connection is closed once its request timeout (2 s) passed.
            def all_closed():
                closed = 0
                for s in socks:
                    s.setblocking(False)
                    try:
                        if s.recv(1) == b"":
                            closed += 1
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed += 1
                return closed == len(socks) or None

            wait_for(all_closed, 10, "the 100 slow connections closed by the server")
            _, _, text = c.get("/metrics")
            self.assertGreaterEqual(
                metric(text, "intentq_http_server_events_total", 'event="request_timeout"'), 100)
            c.close()
        finally:
            stop.set()
            for t in threads:
                t.join(5)
            for s in socks:
                s.close()

    def test_burst_of_10000_requests(self):
        rss_before = self.rss()
        n, conns = 10000, 32
        front = self.stack.http

        def run(k):
            c = Client(front.host, front.port, timeout=60)
            statuses = {}
            for i in range(k, n, conns):
                s, _, _ = c.post("/v1/jobs/echo", {"params": {"i": i}})
                statuses[s] = statuses.get(s, 0) + 1
            c.close()
            return statuses

        t0 = time.monotonic()
        total = {}
        with concurrent.futures.ThreadPoolExecutor(conns) as pool:
            for statuses in pool.map(run, range(conns)):
                for s, count in statuses.items():
                    total[s] = total.get(s, 0) + count
        elapsed = time.monotonic() - t0
        print(f"\nburst: {n} POST /v1/jobs/echo over {conns} connections in {elapsed:.1f} s "
              f"({n / elapsed:.0f}/s, python client); RSS {rss_before} -> {self.rss()} KiB",
              file=sys.stderr)
        self.assertEqual(total, {200: n})
        self.assertLess(self.rss() - rss_before, 64 * 1024, "RSS grew by more than 64 MiB")
        self.assertEqual(self.stack.client().get("/healthz")[0], 200)

    def test_garbage_is_answered_400_and_memory_stays_bounded(self):
        front = self.stack.http
        rss_before = self.rss()
        import random

        rnd = random.Random(22)
        answered = 0
        for i in range(300):
            kind = i % 3
            if kind == 0:
                data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 2000))) + b"\r\n\r\n"
            elif kind == 1:
                data = b"POST /v1/jobs/echo HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            else:
                data = b"GET /" + b"%" * rnd.randint(1, 3000) + b" HTTP/1.1\r\n\r\n"
            with socket.create_connection((front.host, front.port), timeout=10) as s:
                try:
                    s.sendall(data)
                    answer = s.recv(64)
                except (ConnectionResetError, BrokenPipeError):
                    answer = b""
                if answer.startswith(b"HTTP/1.1 4"):
                    answered += 1
        self.assertGreater(answered, 250, "most garbage answered with a 4xx status")
        c = self.stack.client()
        self.assertEqual(c.get("/healthz")[0], 200)
        self.assertEqual(c.post("/v1/jobs/echo", {})[0], 200)
        c.close()
        self.assertLess(self.rss() - rss_before, 32 * 1024, "RSS grew by more than 32 MiB")

    def test_connection_and_stream_caps(self):
        front = self.stack.start_http("--max-connections", "4", "--max-sse-clients", "1",
                                      name="http-capped", expect_ready=False)
        held = [socket.create_connection((front.host, front.port), timeout=10) for _ in range(4)]
        try:
            # Over the cap: accepted by the kernel, closed at once by the front.
            with socket.create_connection((front.host, front.port), timeout=10) as extra:
                extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    self.assertEqual(extra.recv(100), b"")
                except ConnectionResetError:
                    pass
            held.pop().close()
            c = self.stack.client(front)
            wait_for(lambda: c.get("/healthz")[0] == 200, 10, "a slot free again")
            for s in held:
                s.close()
            held.clear()
            wait_for(lambda: metric(c.get("/metrics")[2], "intentq_http_state",
                                    'what="connections"') == 1, 10,
                     "the front saw the held connections close")
            stream = EventReader(front, "/v1/stream")
            self.assertEqual(stream.status, 200)
            second = EventReader(front, "/v1/stream")
            self.assertEqual(second.status, 503)
            second.close()
            stream.close()
            _, _, text = c.get("/metrics")
            self.assertGreaterEqual(
                metric(text, "intentq_http_server_events_total", 'event="connection_refused"'), 1)
            self.assertEqual(
                metric(text, "intentq_http_server_events_total", 'event="sse_refused"'), 1)
            c.close()
        finally:
            for s in held:
                s.close()

    def test_slow_stream_reader_is_dropped_with_a_final_event(self):
        front = self.stack.http
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((front.host, front.port))
        s.sendall(b"GET /v1/stream?topic=result.echo HTTP/1.1\r\nHost: x\r\n\r\n")
        c = self.stack.client()
        big = "x" * 60000

        def dropped():
            c.post("/v1/jobs/echo", {"params": {"pad": big}})
            _, _, text = c.get("/metrics")
            return metric(text, "intentq_http_server_events_total", 'event="sse_dropped"') >= 1

        # The reader reads nothing: its kernel buffers fill, then the front's 64 KiB buffer.
        wait_for(dropped, 60, "the slow reader dropped", interval=0)
        s.settimeout(20)
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        s.close()
        self.assertTrue(data.rstrip().endswith(b"}"), data[-200:])
        last = data.rstrip(b"\n").rsplit(b"\n\n", 1)[-1]
        self.assertTrue(last.startswith(b"event: dropped"), last[:200])
        self.assertEqual(c.get("/healthz")[0], 200)
        c.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *REST])
