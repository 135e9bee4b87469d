"""intentq.AsyncClient against a real broker, workers and the gateway simulator."""

from __future__ import annotations

import asyncio
import time

import pytest

import intentq
from cluster import Cluster


async def test_a_thousand_concurrent_submits_on_one_client(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend) as client:
        start = time.monotonic()
        replies = await asyncio.gather(
            *(client.submit("echo", {"i": i}, id=f"many-{i}-{start}") for i in range(1000)))
        took = time.monotonic() - start
    assert len(replies) == 1000
    # Every reply reached the coroutine that asked for it (matched by id, not by order).
    assert [r.result for r in replies] == [{"i": i} for i in range(1000)]
    assert [r.id for r in replies] == [f"many-{i}-{start}" for i in range(1000)]
    assert took < 30, f"1,000 echo jobs took {took:.1f} s"


async def test_submit_stats_and_gateway_intents(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend) as client:
        reply = await client.submit("positions", {"account": "DU1000001"}, deadline_ms=10000,
                                    priority="normal")
        assert reply.intent == "positions"
        assert all(p["account"] == "DU1000001" for p in reply.result["positions"])
        stats = await client.stats()
        assert stats["workers"] == 2
        two = await asyncio.gather(client.stats(), client.stats())
        assert all("counters" in s for s in two)


async def test_submit_many(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend) as client:
        out = await client.submit_many(
            [("echo", {"k": k}) for k in range(50)] + [intentq.Job("echo", {"delay_ms": 70000})])
    assert [o.result for o in out[:50] if isinstance(o, intentq.Reply)] == [
        {"k": k} for k in range(50)]
    assert isinstance(out[50], intentq.BadRequest)
    assert "delay_ms" in out[50].message


async def test_same_id_submitted_concurrently_runs_once(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend) as client:
        a, b = await asyncio.gather(
            client.submit("echo", {"delay_ms": 200, "v": 1}, id="twice-async"),
            client.submit("echo", {"delay_ms": 200, "v": 1}, id="twice-async"))
    assert a.result == b.result == {"delay_ms": 200, "v": 1}


async def test_bad_input_raises_before_sending(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend) as client:
        before = (await client.stats())["counters"]["requests"]
        with pytest.raises(TypeError, match="params"):
            await client.submit("echo", "not a map")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"jobs\[1\]\.max_age_ms"):
            await client.submit_many([intentq.Job("echo"), intentq.Job("echo", max_age_ms=-1)])
        assert (await client.stats())["counters"]["requests"] == before + 1


async def test_close_fails_requests_in_flight_with_cancelled(cluster: Cluster) -> None:
    client = intentq.AsyncClient(cluster.frontend)
    tasks = [asyncio.create_task(client.submit("echo", {"delay_ms": 500, "n": n}))
             for n in range(4)]
    # Wait (bounded) until the broker holds the jobs, then close under them.
    async with intentq.AsyncClient(cluster.frontend) as observer:
        for _ in range(500):
            services = (await observer.stats())["services"]
            if services["echo"]["busy"] + services["echo"]["queued"] >= 4:
                break
            await asyncio.sleep(0.01)
    await client.aclose()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, intentq.Cancelled) for r in results), results
    with pytest.raises(intentq.Cancelled):
        await client.submit("echo")


async def test_a_cancelled_submit_is_forgotten_and_the_others_go_on(cluster: Cluster) -> None:
    """Cancelling the coroutine awaiting a submit (asyncio.wait_for, a request handler whose
    client went away) drops its waiter; the requests beside it still get their own replies, and
    the client keeps working."""
    async with intentq.AsyncClient(cluster.frontend) as client:
        slow = asyncio.create_task(client.submit("echo", {"delay_ms": 3000}, id="cancel-me"))
        others = [asyncio.create_task(client.submit("echo", {"delay_ms": 300, "n": n}))
                  for n in range(10)]
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(slow), 0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert "cancel-me" not in client._waiters  # nothing left to complete
        assert [r.result["n"] for r in await asyncio.gather(*others)] == list(range(10))
        assert (await client.submit("echo", {"after": 1})).result == {"after": 1}
        # The broker still finishes the job; a late reply to a forgotten id is dropped quietly.
        again = await client.submit("echo", {"delay_ms": 3000}, id="cancel-me")
        assert again.result == {"delay_ms": 3000}
        assert client._waiters == {}


async def test_async_subscription(cluster: Cluster) -> None:
    async with intentq.AsyncClient(cluster.frontend, publish=cluster.publish) as client:
        async with client.subscribe(["result.echo.ok"]) as sub:
            await sub.wait_connected()
            for i in range(200):  # until the subscription has reached the broker
                await client.submit("echo", {"probe": i})
                if await sub.recv(timeout_ms=50) is not None:
                    break
            else:
                raise AssertionError("no published result within 200 probes")
            while await sub.recv(timeout_ms=100) is not None:
                pass
            sent = [await client.submit("echo", {"n": n}, id=f"async-sub-{n}") for n in range(5)]
            got = []
            async for published in sub:
                got.append(published)
                if len(got) == 5:
                    break
    assert sorted(p.reply.id for p in got if p.reply) == sorted(r.id for r in sent)
    assert all(p.topic == "result.echo.ok" for p in got)
