"""Every error class the broker, workers and gateway can produce today, raised by the client from
real processes; and the mapping of every wire code (also those no process sends yet)."""

from __future__ import annotations

import asyncio
import time

import pytest

import intentq
from cluster import Cluster, free_port


def test_every_code_has_its_class_and_unknown_codes_the_base() -> None:
    expected = {
        "BAD_REQUEST": intentq.BadRequest, "UNKNOWN_INTENT": intentq.UnknownIntent,
        "UNKNOWN_ACCOUNT": intentq.UnknownAccount, "BUSY": intentq.Busy,
        "TIMEOUT": intentq.Timeout, "WORKER_LOST": intentq.WorkerLost,
        "NO_WORKER": intentq.NoWorker, "CANCELLED": intentq.Cancelled,
        "UNKNOWN_JOB": intentq.UnknownJob,
        "GATEWAY_UNREACHABLE": intentq.GatewayUnreachable,
        "GATEWAY_REFUSED": intentq.GatewayRefused, "GATEWAY_ERROR": intentq.GatewayError,
        "GATEWAY_PACING": intentq.GatewayPacing, "RESULT_TOO_LARGE": intentq.ResultTooLarge,
        "INTERNAL": intentq.InternalError,
    }
    for code, cls in expected.items():
        assert intentq.error_class(code) is cls
        assert issubclass(cls, intentq.IntentqError) and cls.CODE == code
    assert intentq.error_class("SOMETHING_NEW") is intentq.IntentqError


# Against the shared cluster: errors of the broker, the worker and the gateway.


def test_bad_request(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.BadRequest) as info:
            client.submit("positions", {"acount": "DU1000001"})
    assert "acount" in info.value.message and info.value.intent == "positions"


def test_unknown_intent(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.UnknownIntent):
            client.submit("no_such_intent")


def test_unknown_account(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.UnknownAccount) as info:
            client.submit("summary", {"account": "DU9999999"})
    assert "DU9999999" in info.value.message


def test_gateway_error_carries_the_gateways_code(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.GatewayError) as info:
            client.submit("contract_details", {"con_id": 1})
    assert info.value.gateway_code == 200
    assert info.value.gateway_message and "security definition" in info.value.gateway_message
    assert info.value.worker and info.value.worker != "broker"


def test_timeout(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.Timeout) as info:
            client.submit("echo", {"delay_ms": 1500}, deadline_ms=200)
    assert "deadline" in info.value.message


# Scratch clusters for the errors that need a special setup.


def test_busy(scratch: Cluster) -> None:
    scratch.start_broker("--max-queue", "1")
    scratch.start_worker()
    scratch.wait_for_service("echo")
    with intentq.Client(scratch.frontend) as client:
        out = client.submit_many([intentq.Job("echo", {"delay_ms": 300, "n": n})
                                  for n in range(4)])
    assert any(isinstance(o, intentq.Busy) for o in out), out
    assert any(isinstance(o, intentq.Reply) for o in out), out


async def test_worker_lost(scratch: Cluster) -> None:
    scratch.start_broker()
    worker = scratch.start_worker()
    async with intentq.AsyncClient(scratch.frontend) as client:
        job = asyncio.create_task(client.submit("echo_once", {"delay_ms": 20000}))
        for _ in range(500):
            if (await client.stats())["services"].get("echo_once", {}).get("busy") == 1:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the echo_once job never started")
        worker.kill()
        with pytest.raises(intentq.WorkerLost):
            await asyncio.wait_for(job, 15)


def test_gateway_unreachable(scratch: Cluster) -> None:
    scratch.start_broker()
    scratch.start_worker()  # per-job sessions to a port where nothing listens
    with intentq.Client(scratch.frontend) as client:
        with pytest.raises(intentq.GatewayUnreachable):
            client.submit("positions", deadline_ms=10000)


def test_gateway_down_is_answered_by_the_broker_at_once(scratch: Cluster) -> None:
    scratch.start_broker()
    port = free_port()
    # A persistent session to a port where nothing listens: the worker registers echo only.
    scratch.start_worker(gateway=f"127.0.0.1:{port}")
    with intentq.Client(scratch.frontend) as client:
        started = time.monotonic()
        with pytest.raises(intentq.GatewayUnreachable) as info:
            client.submit("positions", deadline_ms=10000)
        took = time.monotonic() - started
    assert info.value.worker == "broker"
    assert f"gateway 127.0.0.1:{port} unreachable" in info.value.message
    assert "refused" in info.value.message.lower() and "1 worker waiting" in info.value.message
    assert took < 1.0, took


def test_no_worker(scratch: Cluster) -> None:
    scratch.start_broker("--no-worker-grace-ms", "500")
    worker = scratch.start_worker()
    scratch.wait_for_service("echo")
    worker.stop()  # SIGTERM: the worker says DISCONNECT on its way out
    with intentq.Client(scratch.frontend) as client:
        started = time.monotonic()
        with pytest.raises(intentq.NoWorker) as info:
            client.submit("echo", {"n": 1})
        took = time.monotonic() - started
    assert "no worker has served 'echo' since" in info.value.message
    assert took < 1.5, took


def test_gateway_refused(scratch: Cluster) -> None:
    _, gateway = scratch.start_sim("--fault", "close-after-handshake")
    scratch.start_broker()
    scratch.start_worker("--gateway-session", "per-job", gateway=gateway)
    with intentq.Client(scratch.frontend) as client:
        with pytest.raises(intentq.GatewayRefused):
            client.submit("positions", deadline_ms=10000)


def test_gateway_pacing(scratch: Cluster) -> None:
    _, gateway = scratch.start_sim("--msg-rate", "1", "--pacing-close-after", "1000")
    scratch.start_broker()
    scratch.start_worker("--gateway-session", "per-job", "--gateway-msg-rate", "1000",
                         gateway=gateway)
    with intentq.Client(scratch.frontend) as client:
        with pytest.raises(intentq.GatewayPacing) as info:
            client.submit("summary", deadline_ms=10000)
    assert info.value.gateway_code == 100


def test_result_too_large(scratch: Cluster) -> None:
    scratch.start_broker()
    scratch.start_worker("--max-message-bytes", "2048")
    with intentq.Client(scratch.frontend) as client:
        with pytest.raises(intentq.ResultTooLarge):
            client.submit("echo", {"blob": "x" * 4096})


def test_internal_error_from_an_invalid_worker_reply(scratch: Cluster) -> None:
    """A worker whose reply is not a reply envelope: the broker answers INTERNAL in its place
    (docs/protocol.md 5.2). The worker is a bare MDP socket on a thread, speaking intentq."""
    import threading

    import zmq

    scratch.start_broker()
    ctx = zmq.Context()
    problems: list[str] = []

    def garbling_worker() -> None:
        worker = ctx.socket(zmq.DEALER)
        worker.setsockopt(zmq.LINGER, 0)
        try:
            worker.connect(scratch.backend)
            worker.send_multipart([b"", b"MDPW01", b"\x01", b"garbled", b"@intentq=1"])
            while worker.poll(15000):
                frames = worker.recv_multipart()
                if frames[2] == b"\x02":  # REQUEST: token, "", service, body
                    worker.send_multipart([b"", b"MDPW01", b"\x03", frames[3], b"",
                                           b"\xc1 not msgpack"])
                    return
            problems.append("the broker sent the worker no REQUEST within 15 s")
        finally:
            worker.close()

    thread = threading.Thread(target=garbling_worker)
    thread.start()
    try:
        scratch.wait_for_service("garbled")
        with intentq.Client(scratch.frontend) as client:
            with pytest.raises(intentq.InternalError) as info:
                client.submit("garbled", id="internal-1", deadline_ms=10000)
    finally:
        thread.join(20)
        ctx.term()
    assert not problems, problems
    assert info.value.code == "INTERNAL" and info.value.id == "internal-1"
