"""intentq.Client (synchronous) against a real broker, workers and the gateway simulator."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

import msgpack
import pytest
import zmq

import intentq
from cluster import REPO, Cluster, clean_env, free_port


def requests_seen(client: intentq.Client) -> int:
    counters: dict[str, Any] = client.stats()["counters"]
    return int(counters["requests"])


def test_submit_returns_a_reply_with_the_envelope_fields(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        reply = client.submit("echo", {"greeting": "hello", "n": [1, 2.5, None, True]},
                              id="sync-1", deadline_ms=5000, priority="interactive")
        assert isinstance(reply, intentq.Reply)
        assert reply.id == "sync-1"
        assert reply.intent == "echo"
        assert reply.result == {"greeting": "hello", "n": [1, 2.5, None, True]}
        assert reply.worker
        assert "queued" in reply.timings_ms and "run" in reply.timings_ms
        assert reply.cached is False and reply.source_id is None
        assert reply.envelope["status"] == "ok"
        # The same id again comes from the broker's dedup cache: the same answer, not a new run.
        again = client.submit("echo", {"greeting": "other"}, id="sync-1")
        assert again.result == reply.result


def test_gateway_intent_and_answer_reuse(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        first = client.submit("summary", {"account": "DU1000001"}, deadline_ms=10000)
        assert first.result["accounts"] == ["DU1000001"]
        assert {"positions", "open_orders", "fills", "account_summary"} <= set(first.result)
        again = client.submit("summary", {"account": "DU1000001"}, max_age_ms=60000)
        assert again.cached is True
        assert again.age_ms is not None and again.age_ms <= 60000
        assert again.source_id == first.id
        assert again.result == first.result


def test_submit_many_keeps_order_and_returns_errors(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        out = client.submit_many([
            intentq.Job("echo", {"i": 0}),
            ("echo", {"i": 1}),
            intentq.Job("no_such_intent"),
            "current_time",
            intentq.Job("echo", {"i": 4}, id="many-4", deadline_ms=5000),
        ])
    assert [type(o).__name__ for o in out] == ["Reply", "Reply", "UnknownIntent", "Reply",
                                               "Reply"]
    assert isinstance(out[0], intentq.Reply) and out[0].result == {"i": 0}
    assert isinstance(out[1], intentq.Reply) and out[1].result == {"i": 1}
    assert isinstance(out[3], intentq.Reply) and out[3].result["server_version"] >= 176
    assert isinstance(out[4], intentq.Reply) and out[4].id == "many-4"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_resends_keep_the_id_and_the_budget_covers_the_deadline(cluster: Cluster,
                                                                 asynchronous: bool) -> None:
    """A job slower than timeout_ms: the client resends it (same id) several times and still
    waits for its answer until its deadline; the broker attaches the copies, so it runs once."""
    import asyncio

    def counters() -> dict[str, int]:
        with intentq.Client(cluster.frontend) as c:
            return dict(c.stats()["counters"])

    before = counters()
    job_id = intentq.new_id()
    params = {"delay_ms": 1200}
    if asynchronous:
        async def run() -> intentq.Reply:
            async with intentq.AsyncClient(cluster.frontend, timeout_ms=200) as client:
                return await client.submit("echo", params, id=job_id, deadline_ms=5000)
        reply = asyncio.run(run())
    else:
        with intentq.Client(cluster.frontend, timeout_ms=200) as client:
            reply = client.submit("echo", params, id=job_id, deadline_ms=5000)
    after = counters()
    assert reply.id == job_id and reply.result == params
    assert after["requests"] - before["requests"] >= 1 + 3 + 1, "no resends were sent"
    assert after["attached"] - before["attached"] >= 3, (before, after)
    assert after["dispatched"] - before["dispatched"] == 1, "the job ran more than once"


def test_stats(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        stats = client.stats()
    assert stats["workers"] == 2
    assert stats["services"]["echo"]["workers"] == 2
    assert "requests" in stats["counters"]


@pytest.mark.parametrize("call, exc, named", [
    (lambda c: c.submit(42), TypeError, "intent"),
    (lambda c: c.submit("bad name!"), ValueError, "intent"),
    (lambda c: c.submit("mmi.stats"), ValueError, "intent"),
    (lambda c: c.submit("x.ok"), ValueError, "intent"),
    (lambda c: c.submit("echo", [1, 2]), TypeError, "params"),
    (lambda c: c.submit("echo", {1: "x"}), TypeError, "params"),
    (lambda c: c.submit("echo", {"b": b"bytes"}), TypeError, "params['b']"),
    (lambda c: c.submit("echo", {"f": float("nan")}), ValueError, "params['f']"),
    (lambda c: c.submit("echo", {"s": "\ud800"}), ValueError, "params['s']"),
    (lambda c: c.submit("echo", {"n": 2**64}), ValueError, "params['n']"),
    (lambda c: c.submit("echo", {"x": "y" * (5 << 20)}), ValueError, "params"),
    (lambda c: c.submit("echo", id=""), ValueError, "id"),
    (lambda c: c.submit("echo", id=7), TypeError, "id"),
    (lambda c: c.submit("echo", id="x" * 257), ValueError, "id"),
    (lambda c: c.submit("echo", deadline_ms=0), ValueError, "deadline_ms"),
    (lambda c: c.submit("echo", deadline_ms=-5), ValueError, "deadline_ms"),
    (lambda c: c.submit("echo", deadline_ms="100"), TypeError, "deadline_ms"),
    (lambda c: c.submit("echo", deadline_ms=True), TypeError, "deadline_ms"),
    (lambda c: c.submit("echo", max_age_ms=-1), ValueError, "max_age_ms"),
    (lambda c: c.submit("echo", max_age_ms=1.5), TypeError, "max_age_ms"),
    (lambda c: c.submit("echo", priority="urgent"), ValueError, "priority"),
    (lambda c: c.submit_many([("echo", {}), 5]), TypeError, "jobs[1]"),
    (lambda c: c.submit_many([intentq.Job("echo", id="a"), intentq.Job("echo", id="a")]),
     ValueError, "jobs[1].id"),
    (lambda c: c.submit_many([intentq.Job("echo"), intentq.Job("echo", deadline_ms=0)]),
     ValueError, "jobs[1].deadline_ms"),
    (lambda c: c.subscribe("result."), TypeError, "prefixes"),
])
def test_bad_input_is_refused_before_anything_is_sent(cluster: Cluster, call: Any,
                                                      exc: type[Exception], named: str) -> None:
    with intentq.Client(cluster.frontend) as client:
        before = requests_seen(client)
        with pytest.raises(exc) as info:
            call(client)
        assert named in str(info.value)
        # Only this stats request reached the broker in between.
        assert requests_seen(client) == before + 1


@pytest.mark.parametrize("kwargs, exc, named", [
    ({"broker": 5555}, TypeError, "broker"),
    ({"broker": "localhost:5555"}, ValueError, "broker"),
    ({"timeout_ms": 0}, ValueError, "timeout_ms"),
    ({"connect_timeout_ms": "1"}, TypeError, "connect_timeout_ms"),
    ({"curve_server_key": "x" * 40}, ValueError, "curve_secret"),
    ({"max_reply_bytes": 0}, ValueError, "max_reply_bytes"),
])
def test_bad_options_are_refused(kwargs: dict[str, Any], exc: type[Exception],
                                 named: str) -> None:
    with pytest.raises(exc) as info:
        intentq.Client(**kwargs)
    assert named in str(info.value)


def test_broker_and_timeout_from_environment(cluster: Cluster,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTQ_BROKER", cluster.frontend)
    monkeypatch.setenv("INTENTQ_TIMEOUT_MS", "1234")
    with intentq.Client() as client:
        assert client.options.broker == cluster.frontend
        assert client.options.timeout_ms == 1234
        assert client.submit("echo", {"env": True}).result == {"env": True}
    monkeypatch.setenv("INTENTQ_TIMEOUT_MS", "soon")
    with pytest.raises(ValueError, match="INTENTQ_TIMEOUT_MS"):
        intentq.Client()


def test_oversized_reply_is_a_protocol_error(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend, max_reply_bytes=1000) as client:
        with pytest.raises(intentq.ProtocolError, match="max_reply_bytes=1000"):
            client.submit("echo", {"blob": "x" * 5000})
        assert client.submit("echo", {"small": 1}).result == {"small": 1}


class FakeBroker:
    """A ROUTER on a thread of its own that answers each request with answer(frames) (a
    hostile or broken broker); the socket lives and dies on that thread."""

    def __init__(self, answer: Callable[[list[bytes]], Optional[list[bytes]]]) -> None:
        self._answer = answer
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.endpoint = ""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        assert self._ready.wait(5), "fake broker did not bind"

    def _serve(self) -> None:
        router = zmq.Context.instance().socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        router.bind("tcp://127.0.0.1:*")
        self.endpoint = router.getsockopt(zmq.LAST_ENDPOINT).decode()
        self._ready.set()
        try:
            while not self._stop.is_set():
                if not router.poll(50):
                    continue
                frames = router.recv_multipart()
                reply = self._answer(frames[1:])
                if reply is not None:
                    router.send_multipart([frames[0], *reply])
        finally:
            router.close(linger=0)

    def __enter__(self) -> "FakeBroker":
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.mark.parametrize("reply", [
    [b"", b"MDPC01"],                                       # too few frames
    [b"", b"MDPC02", b"echo", msgpack.packb({})],           # wrong protocol
    [b"", b"MDPC01", b"echo", b"\xc1"],                     # not msgpack
    [b"", b"MDPC01", b"echo", msgpack.packb([1, 2])],       # not a map
])
def test_malformed_reply_is_a_protocol_error_not_a_hang(reply: list[bytes]) -> None:
    with FakeBroker(lambda frames: reply) as fake:
        with intentq.Client(fake.endpoint, timeout_ms=5000) as client:
            with pytest.raises(intentq.ProtocolError):
                client.submit("echo", deadline_ms=1000)



@pytest.mark.parametrize("reply", [
    [b"", b"MDPC01", b"echo", b"\xc1"],                     # not msgpack
    [b"", b"MDPC01", b"echo", msgpack.packb([1, 2])],       # not a map
    [b"", b"MDPC01", b"echo", b"\x00" * 2000],              # over max_reply_bytes
])
def test_malformed_reply_to_the_async_client_is_a_protocol_error(reply: list[bytes]) -> None:
    """Every request in flight fails with ProtocolError (the broker speaks something else);
    none hangs, and the client stays usable for the next request."""
    import asyncio

    async def run() -> list[Any]:
        async with intentq.AsyncClient(fake.endpoint, timeout_ms=5000,
                                       max_reply_bytes=1000) as client:
            first = await asyncio.gather(*(client.submit("echo", {"n": n}, deadline_ms=3000)
                                           for n in range(3)), return_exceptions=True)
            second = await asyncio.gather(client.submit("echo", deadline_ms=3000),
                                          return_exceptions=True)
            return first + second

    with FakeBroker(lambda frames: reply) as fake:
        start = time.monotonic()
        out = asyncio.run(run())
        took = time.monotonic() - start
    assert all(isinstance(o, intentq.ProtocolError) for o in out), out
    assert took < 3, f"took {took:.1f} s: a request waited for its deadline"


def test_envelope_breaking_reply_is_a_protocol_error() -> None:
    def answer(frames: list[bytes]) -> list[bytes]:
        env = msgpack.unpackb(frames[3])
        body = msgpack.packb({"id": env["id"], "intent": "echo", "status": "maybe"})
        return [b"", b"MDPC01", b"echo", body]

    with FakeBroker(answer) as fake:
        with intentq.Client(fake.endpoint) as client:
            with pytest.raises(intentq.ProtocolError, match="status"):
                client.submit("echo", deadline_ms=1000)


def test_unknown_error_code_is_the_base_class() -> None:
    def answer(frames: list[bytes]) -> list[bytes]:
        env = msgpack.unpackb(frames[3])
        body = msgpack.packb({"id": env["id"], "intent": "echo", "status": "error",
                              "error": {"code": "NEW_CODE", "message": "from the future"}})
        return [b"", b"MDPC01", b"echo", body]

    with FakeBroker(answer) as fake:
        with intentq.Client(fake.endpoint) as client:
            with pytest.raises(intentq.IntentqError) as info:
                client.submit("echo")
    assert type(info.value) is intentq.IntentqError
    assert info.value.code == "NEW_CODE" and info.value.message == "from the future"


def test_diagnosis_nothing_listens() -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    with intentq.Client(endpoint, connect_timeout_ms=600, timeout_ms=200) as client:
        with pytest.raises(intentq.BrokerRefused) as info:
            client.submit("echo")
    text = str(info.value)
    assert endpoint in text and "INTENTQ_BROKER" in text and "refused" in text


def test_diagnosis_connected_but_no_reply() -> None:
    with FakeBroker(lambda frames: None) as fake:  # accepts, never answers
        with intentq.Client(fake.endpoint, timeout_ms=200, margin_ms=1) as client:
            with pytest.raises(intentq.NoReply) as info:
                client.submit("echo", deadline_ms=700)
    assert "connected to" in str(info.value) and "tries" in str(info.value)


def test_subscribe_yields_published_results(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend, publish=cluster.publish) as client:
        with client.subscribe(["result.echo."]) as sub:
            sub.wait_connected()
            # The subscription reaches the broker a moment after the connection: send until
            # one result arrives, then the real one.
            probe = None
            for i in range(200):
                client.submit("echo", {"probe": i})
                probe = sub.recv(timeout_ms=50)
                if probe is not None:
                    break
            assert probe is not None, "no published result within 200 probes"
            while sub.recv(timeout_ms=100) is not None:
                pass
            client.submit("echo", {"mark": "sync"}, id="sub-sync-1")
            with pytest.raises(intentq.BadRequest):
                client.submit("echo", {"delay_ms": 70000})
            got = [sub.recv(timeout_ms=5000) for _ in range(2)]
    ok = [p for p in got if p is not None and p.ok]
    errors = [p for p in got if p is not None and not p.ok]
    assert len(ok) == 1 and ok[0].topic == "result.echo.ok"
    assert ok[0].reply is not None and ok[0].reply.id == "sub-sync-1"
    assert len(errors) == 1 and errors[0].topic == "result.echo.error"
    assert isinstance(errors[0].error, intentq.BadRequest)


def test_subscription_skips_undecodable_messages(caplog: pytest.LogCaptureFixture) -> None:
    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.XPUB)  # XPUB: we see the subscription arrive, no guessing
    pub.setsockopt(zmq.LINGER, 0)
    pub.bind("tcp://127.0.0.1:*")
    endpoint = pub.getsockopt(zmq.LAST_ENDPOINT).decode()
    good = msgpack.packb({"id": "p1", "intent": "echo", "status": "ok", "result": {"a": 1},
                          "timings_ms": {}, "worker": "w"})
    try:
        with intentq.Client(f"tcp://127.0.0.1:{free_port()}", publish=endpoint) as client:
            with client.subscribe(["result."]) as sub:
                assert pub.poll(5000), "the subscription never reached the publisher"
                pub.recv()
                pub.send_multipart([b"result.echo.ok", b"\xc1garbage"])
                pub.send_multipart([b"result.echo.ok"])  # one frame only
                pub.send_multipart([b"result.echo.ok", msgpack.packb({"id": 1})])
                pub.send_multipart([b"result.echo.ok", good])
                with caplog.at_level(logging.WARNING, logger="intentq"):
                    got = sub.recv(timeout_ms=5000)
                assert got is not None and got.reply is not None and got.reply.id == "p1"
                assert sub.skipped == 3
    finally:
        pub.close(linger=0)
    warnings = [r for r in caplog.records if "undecodable" in r.getMessage()]
    assert len(warnings) == 3


def test_command_line(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    from intentq.__main__ import main

    assert main(["--broker", cluster.frontend, "submit", "echo", "--param", "n=42",
                 "--param", "s=x"]) == 0
    assert '"result": {"n": 42, "s": "x"}' in capsys.readouterr().out
    assert main(["--broker", cluster.frontend, "submit", "echo", "--param", "delay_ms=70000"]) == 2
    assert '"BAD_REQUEST"' in capsys.readouterr().out
    assert main(["--broker", cluster.frontend, "stats"]) == 0
    assert '"counters"' in capsys.readouterr().out
    assert main(["--broker", cluster.frontend, "cancel", "nobody-submitted-this"]) == 2
    assert '"UNKNOWN_JOB"' in capsys.readouterr().out


def test_command_line_into_a_closed_pipe_ends_quietly(cluster: Cluster) -> None:
    """`intentq_client.py ... | head -c 100`: the reader goes away mid-line; the program ends
    with no BrokenPipeError traceback."""
    script = os.path.join(REPO, "examples", "python", "intentq_client.py")
    blob = "x" * 100_000  # more than a pipe holds, so the write is still going when head exits
    proc = subprocess.Popen(
        [sys.executable, script, "--broker", cluster.frontend, "submit", "echo", "--param",
         f"blob={blob}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    status = proc.wait(30)
    assert head.startswith(b'{"id": "py-')
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert status == 141, (status, err)
