#!/usr/bin/python3
"""Stock Majordomo peers (mdp_peers.py, written from RFC 7) against the real intentq-broker.

Checks: multi-frame opaque bodies pass through untouched (sync REQ client and 1,000 pipelined
requests from a DEALER client), mmi.service answers 200/404, and a stock worker that heartbeats
every 2.5 s only while idle survives 20 s of idleness and then still serves a request.

Usage: interop_test.py --broker PATH/intentq-broker
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mdp_peers import AsyncClient, SyncClient, Worker  # noqa: E402

SERVICE = b"interop.echo"
READY_RE = re.compile(rb"intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+)")


def start_broker(path):
    proc = subprocess.Popen(
        [path, "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
         "--publish", "tcp://127.0.0.1:*", "--log-level", "info"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = READY_RE.search(line)
        if m:
            # Keep reading output in the background so the broker never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, m.group(1).decode(), m.group(2).decode()
    proc.kill()
    raise RuntimeError("broker did not print its readiness line")


def serve(worker, stop, served):
    """The stock worker's loop: answers each request with its frames tagged and one extra."""
    reply = None
    while True:
        body = worker.recv(reply, stop)
        if body is None:
            return
        served.append(len(body))
        reply = [b"echo:" + f for f in body] + [b"frames=%d" % len(body)]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok -", what, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    args = ap.parse_args()

    broker, frontend, backend = start_broker(args.broker)
    ctx = zmq.Context()
    stop = threading.Event()
    served = []
    thread = threading.Thread()
    try:
        worker = Worker(ctx, backend, SERVICE)
        thread = threading.Thread(target=serve, args=(worker, stop, served), daemon=True)
        thread.start()

        client = SyncClient(ctx, frontend)
        # READY and this request travel on different connections; ask until registered.
        status = None
        for _ in range(100):
            status = client.send(b"mmi.service", SERVICE)
            if status == [b"200"]:
                break
        check(status == [b"200"], "mmi.service answers 200 for a registered stock worker")
        check(client.send(b"mmi.service", b"no.such") == [b"404"], "mmi.service answers 404")

        body = [b"first", b"", b"\x00\xff binary", b"last"]
        reply = client.send(SERVICE, *body)
        check(reply == [b"echo:first", b"echo:", b"echo:\x00\xff binary", b"echo:last",
                        b"frames=4"], "multi-frame opaque body passes through both ways")

        aclient = AsyncClient(ctx, frontend)
        n = 1000
        t0 = time.monotonic()
        for i in range(n):
            aclient.send(SERVICE, b"%d" % i, b"tail")
        seen = set()
        while len(seen) < n:
            got = aclient.recv(10000)
            if got is None:
                break
            service, frames = got
            assert service == SERVICE, service
            assert frames[1:] == [b"echo:tail", b"frames=2"], frames
            seen.add(int(frames[0][len(b"echo:"):]))
        dt = time.monotonic() - t0
        check(seen == set(range(n)),
              "1000 pipelined async requests all answered (%.0f/s via one python worker)" % (n / dt))

        print("idling %.0f s with the stock worker registered..." % args.idle_seconds, flush=True)
        time.sleep(args.idle_seconds)  # the subject of the test, not synchronisation
        stats = msgpack.unpackb(client.send(b"mmi.stats")[0])
        check(stats["counters"]["workers_expired"] == 0,
              "idle stock worker was not expelled (workers_expired=0)")
        check(worker.connects == 1, "stock worker never had to re-register")
        check(worker.heartbeats_sent >= int(args.idle_seconds / 2.5) - 2,
              "stock worker heartbeated while idle (%d)" % worker.heartbeats_sent)
        reply = client.send(SERVICE, b"after", b"idle")
        check(reply == [b"echo:after", b"echo:idle", b"frames=2"],
              "stock worker still serves after %.0f s idle" % args.idle_seconds)
        client.close()
        aclient.close()
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(10)  # leaves its poll within one heartbeat interval
        broker.terminate()
        try:
            code = broker.wait(15)
        except subprocess.TimeoutExpired:
            broker.kill()
            code = None
        ctx.destroy(linger=0)
    check(code == 0, "broker exits 0 on SIGTERM")
    print("interop: all checks passed")


if __name__ == "__main__":
    main()
