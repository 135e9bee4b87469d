"""examples/fastapi under uvicorn against the shared cluster: 200 concurrent HTTP requests all
answered through the app's one AsyncClient, error codes mapped to HTTP statuses, no event-loop
error in the app's log, and the app process holding one TCP connection (to the broker's
frontend) and none to the gateway."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from contextlib import contextmanager
from typing import Iterator

import httpx
import pytest

import intentq
from cluster import REPO, Cluster, Process, clean_env, free_port, wait_until

APP_DIR = os.path.join(REPO, "examples", "fastapi")


@contextmanager
def uvicorn_app(frontend: str, log_dir: str) -> Iterator[tuple[Process, str]]:
    """The example app under uvicorn on a free port, its AsyncClient pointed at ``frontend``."""
    port = free_port()
    env = clean_env()
    env["PYTHONPATH"] = os.path.join(REPO, "clients", "python")
    env["INTENTQ_BROKER"] = frontend
    server = Process([sys.executable, "-m", "uvicorn", "app:app", "--app-dir", APP_DIR,
                      "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"],
                     log_dir, "uvicorn", env=env)

    def listening() -> bool:
        assert server.proc.poll() is None, f"uvicorn exited: {server.tail()}"
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, 20, "uvicorn to listen")
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app_server(cluster: Cluster, log_dir: str) -> Iterator[tuple[Process, str]]:
    with uvicorn_app(cluster.frontend, log_dir) as server:
        yield server


def tcp_connections(pid: int) -> list[tuple[int, int, str]]:
    """(local port, remote port, state) of every TCP socket the process holds (its fds matched
    with the kernel's socket table by inode)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[9] in inodes:
                    local = int(fields[1].rsplit(":", 1)[1], 16)
                    remote = int(fields[2].rsplit(":", 1)[1], 16)
                    out.append((local, remote, fields[3]))
    return out


async def test_two_hundred_concurrent_requests(cluster: Cluster,
                                               app_server: tuple[Process, str]) -> None:
    server, url = app_server
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        async def echo(i: int) -> httpx.Response:
            return await http.post("/intents/echo", json={"i": i})

        async def summary(i: int) -> httpx.Response:
            return await http.get("/summary", params={"account": f"DU100000{1 + i % 2}"})

        responses = await asyncio.gather(*(echo(i) if i % 2 else summary(i) for i in range(200)))
        for i, r in enumerate(responses):
            assert r.status_code == 200, (i, r.status_code, r.text)
            body = r.json()
            if i % 2:
                assert body["result"] == {"i": i} and body["intent"] == "echo"
            else:
                assert body["result"]["accounts"] == [f"DU100000{1 + i % 2}"]

        # What the app holds: its listening socket, the HTTP connections to it, and exactly one
        # connection of its own: the AsyncClient's to the broker's frontend. None to the gateway.
        app_port = int(url.rsplit(":", 1)[1])
        frontend_port = int(cluster.frontend.rsplit(":", 1)[1])
        gateway_port = int(cluster.gateway.rsplit(":", 1)[1])  # type: ignore[attr-defined]
        own = [c for c in tcp_connections(server.pid) if c[0] != app_port]
        assert [c[1] for c in own] == [frontend_port], own
        assert all(c[1] != gateway_port for c in tcp_connections(server.pid))


async def test_error_codes_become_http_statuses(app_server: tuple[Process, str]) -> None:
    _, url = app_server
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        cases = [
            (http.post("/intents/no_such_intent", json={}), 404, "UNKNOWN_INTENT"),
            (http.get("/summary", params={"account": "DU9999999"}), 404, "UNKNOWN_ACCOUNT"),
            (http.post("/intents/echo", json={"delay_ms": 70000}), 400, "BAD_REQUEST"),
            (http.post("/intents/echo", content=b"[1, 2]"), 400, "BAD_REQUEST"),
            (http.post("/intents/echo", content=b"{not json"), 400, "BAD_REQUEST"),
            (http.post("/intents/bad%20name", json={}), 400, "BAD_REQUEST"),
            (http.post("/intents/echo", params={"deadline_ms": 150}, json={"delay_ms": 1000}),
             504, "TIMEOUT"),
            (http.post("/intents/contract_details", json={"con_id": 1}), 502, "GATEWAY_ERROR"),
        ]
        for request, status, code in cases:
            r = await request
            assert r.status_code == status, (code, r.status_code, r.text)
            assert r.json()["error"]["code"] == code
            if code == "GATEWAY_ERROR":
                assert r.json()["error"]["gateway_code"] == 200


async def test_an_unreachable_gateway_is_503_with_retry_after(scratch: Cluster,
                                                              log_dir: str) -> None:
    """End to end: a worker whose gateway does not answer; the app says 503 and when to retry."""
    scratch.start_broker()
    scratch.start_worker()  # per-job sessions to a port where nothing listens
    with uvicorn_app(scratch.frontend, log_dir) as (_, url):
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            r = await http.post("/intents/positions", params={"deadline_ms": 10000}, json={})
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "2"
    assert r.json()["error"]["code"] == "GATEWAY_UNREACHABLE"


def test_unavailable_answers_carry_retry_after() -> None:
    sys.path.insert(0, APP_DIR)
    try:
        import app as example  # type: ignore[import]
    finally:
        sys.path.remove(APP_DIR)
    for exc in (intentq.Busy("queue full"), intentq.NoWorker("no worker"),
                intentq.GatewayUnreachable("down"), intentq.BrokerRefused("refused")):
        response = example.error_response(exc)
        assert response.status_code == 503 and response.headers["retry-after"] == "2"
    for exc, status in ((intentq.GatewayPacing("100"), 502), (intentq.WorkerLost("gone"), 502),
                        (intentq.IntentqError("?", code="NEW"), 502), (intentq.Timeout("t"), 504)):
        response = example.error_response(exc)
        assert response.status_code == status and "retry-after" not in response.headers


def test_app_log_has_no_event_loop_errors(app_server: tuple[Process, str]) -> None:
    server, _ = app_server
    assert server.stop() == 0
    log = server.tail(1 << 20)
    assert "Application startup complete" in log and "Application shutdown complete" in log
    for bad in ("Traceback", "Task exception was never retrieved", "Event loop is closed",
                "ERROR", "was never awaited", "Exception in"):
        assert bad not in log, log
