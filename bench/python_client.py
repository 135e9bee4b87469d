#!/usr/bin/python3
"""Benchmark of the Python client (clients/python) against the C++ bench client, in one run.

echo: one AsyncClient in one process keeps 200 echo jobs in flight through intentq-broker and
two real intentq-workers; the C++ figure is `intentq-bench --only soak` of the same build right
before and after (4 pipelined clients x 50 in flight = 200, the same broker and workers). Runs
alternate so that load drift on a shared machine hits both alike; the ratio of the medians is
the figure.

summary: the FastAPI example (examples/fastapi) under uvicorn in front of the broker, one worker
with a persistent gateway session and the simulator answering every request after --latency-ms
(20 ms), the gateway budget off (as intentq-bench's summary latency runs); GET /summary one at a
time, p50/p90 of the HTTP round trip, and the same intent through
an AsyncClient directly (what the HTTP layer adds).

    python3 bench/python_client.py [--bin-dir build/bin] [--jobs 20000] [--rounds 2] [--json F]

Everything runs on 127.0.0.1 on free ports and is stopped at the end. About 30-60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "clients", "python"))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))

import httpx  # noqa: E402

import intentq  # noqa: E402
from cluster import Cluster, Process, clean_env, free_port, wait_until  # noqa: E402

IN_FLIGHT = 200


def cpp_echo(bin_dir: str, jobs: int) -> float:
    """jobs/s of the C++ bench client (intentq-bench --only soak)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "soak.json")
        subprocess.run([os.path.join(bin_dir, "intentq-bench"), "--only", "soak", "--soak-jobs",
                        str(jobs), "--bin-dir", bin_dir, "--json", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
        with open(out) as f:
            soak = json.load(f)["soak"]
    if soak["errors"]:
        raise RuntimeError(f"intentq-bench soak: {soak['errors']} errors")
    return float(soak["jobs_per_s"])


async def python_echo(frontend: str, jobs: int) -> tuple[float, float]:
    """jobs/s of one AsyncClient keeping IN_FLIGHT echo jobs in flight, and the client
    process's CPU time per job (us, user + system, its ZeroMQ I/O thread included)."""
    async with intentq.AsyncClient(frontend) as client:
        async def lane(count: int) -> None:
            for _ in range(count):
                await client.submit("echo", {"n": 1})

        async def run(total: int) -> float:
            start = time.monotonic()
            await asyncio.gather(*(lane(total // IN_FLIGHT) for _ in range(IN_FLIGHT)))
            return (total // IN_FLIGHT) * IN_FLIGHT / (time.monotonic() - start)

        await run(2 * IN_FLIGHT)  # warm-up: connection, allocator
        cpu = time.process_time()
        rate = await run(jobs)
        return rate, (time.process_time() - cpu) * 1e6 / jobs


def echo(bin_dir: str, log_dir: str, jobs: int, rounds: int) -> dict[str, Any]:
    cpp: list[float] = []
    py: list[float] = []
    py_cpu: list[float] = []
    for _ in range(rounds):
        cpp.append(cpp_echo(bin_dir, jobs))
        c = Cluster(log_dir)
        try:
            c.start_broker()
            c.start_worker(client_id=1)
            c.start_worker(client_id=2)
            c.wait_for_service("echo", workers=2)
            rate, cpu_us = asyncio.run(python_echo(c.frontend, jobs))
            py.append(rate)
            py_cpu.append(cpu_us)
        finally:
            c.stop()
        print(f"echo: C++ {cpp[-1]:.0f} jobs/s, Python AsyncClient {py[-1]:.0f} jobs/s "
              f"({py_cpu[-1]:.0f} us client CPU per job)", file=sys.stderr)
    return {"jobs_per_run": jobs, "in_flight": IN_FLIGHT, "rounds": rounds,
            "cpp_jobs_per_s": [round(x) for x in cpp], "python_jobs_per_s": [round(x) for x in py],
            "python_client_cpu_us_per_job": [round(x) for x in py_cpu],
            "ratio": round(statistics.median(py) / statistics.median(cpp), 2),
            "target_ratio": ">= 0.5"}


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


async def direct_summary(frontend: str, n: int) -> list[float]:
    out = []
    async with intentq.AsyncClient(frontend) as client:
        for _ in range(n):
            start = time.monotonic()
            await client.submit("summary", {"account": "DU1000001"})
            out.append((time.monotonic() - start) * 1000)
    return out


def summary(log_dir: str, requests: int, latency_ms: int) -> dict[str, Any]:
    c = Cluster(log_dir)
    server = None
    try:
        # As intentq-bench's summary latency runs: the budget off (no pacing at the simulator,
        # a budget the worker never reaches), one worker with a persistent session.
        _, gateway = c.start_sim("--latency-ms", str(latency_ms), "--pacing", "off")
        c.start_broker()
        c.start_worker("--gateway-session", "persistent", "--gateway-msg-rate", "1000",
                       gateway=gateway, ready=r"intentq-worker ready .*intents=\S*summary")
        c.wait_for_service("summary")
        port = free_port()
        env = clean_env()
        env["PYTHONPATH"] = os.path.join(REPO, "clients", "python")
        env["INTENTQ_BROKER"] = c.frontend
        server = Process([sys.executable, "-m", "uvicorn", "app:app", "--app-dir",
                          os.path.join(REPO, "examples", "fastapi"), "--host", "127.0.0.1",
                          "--port", str(port), "--log-level", "warning"], log_dir, "uvicorn",
                         env=env)

        def listening() -> bool:
            assert server is not None and server.proc.poll() is None, "uvicorn exited"
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, 20, "uvicorn to listen")
        http_ms: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for i in range(requests + 10):
                start = time.monotonic()
                r = http.get("/summary", params={"account": "DU1000001"})
                took = (time.monotonic() - start) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"GET /summary: {r.status_code} {r.text}")
                if i >= 10:  # the first ones warm up connections and sessions
                    http_ms.append(took)
        direct_ms = asyncio.run(direct_summary(c.frontend, requests))
    finally:
        if server is not None:
            server.stop()
        c.stop()
    result = {"requests": requests, "gateway_latency_ms": latency_ms,
              "http_p50_ms": round(percentile(http_ms, 0.5), 1),
              "http_p90_ms": round(percentile(http_ms, 0.9), 1),
              "direct_p50_ms": round(percentile(direct_ms, 0.5), 1),
              "target_http_p50_ms": f"<= {latency_ms + 5}"}
    print(f"summary: GET /summary p50 {result['http_p50_ms']} ms (p90 {result['http_p90_ms']}), "
          f"AsyncClient directly p50 {result['direct_p50_ms']} ms, gateway answers after "
          f"{latency_ms} ms", file=sys.stderr)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", default=os.path.join(REPO, "build", "bin"))
    parser.add_argument("--jobs", type=int, default=20000, help="echo jobs per run")
    parser.add_argument("--rounds", type=int, default=2, help="C++/Python echo run pairs")
    parser.add_argument("--summary-requests", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=20, help="simulator answer delay")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    os.environ["INTENTQ_BIN_DIR"] = args.bin_dir
    with tempfile.TemporaryDirectory() as log_dir:
        load = os.getloadavg()[0]
        started = time.monotonic()
        figures = {
            "echo": echo(args.bin_dir, log_dir, args.jobs, args.rounds),
            "summary": summary(log_dir, args.summary_requests, args.latency_ms),
            "load_average": [round(load, 1), round(os.getloadavg()[0], 1)],
            "cpus": os.cpu_count(),
            "seconds": round(time.monotonic() - started, 1),
        }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
