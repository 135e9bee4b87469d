"""Client.cancel / AsyncClient.cancel (mmi.cancel, issue 20) against a real broker and workers:
a running job's submit raises Cancelled, a queued one never runs, and only the submitter may
cancel (another client's cancel is UnknownJob, exactly as for an id that does not exist)."""

from __future__ import annotations

import asyncio
import time

import pytest

import intentq
from cluster import Cluster


def busy_workers(client: intentq.Client) -> int:
    return int(client.stats()["services"]["echo"]["busy"])


async def wait_async(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < end, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(0.02)


async def test_cancel_running_and_queued_jobs(cluster: Cluster) -> None:
    stamp = time.monotonic_ns()
    async with intentq.AsyncClient(cluster.frontend) as client:
        # Both workers hold a slow echo; the third job queues behind them.
        ids = [f"slow-{i}-{stamp}" for i in range(3)]
        tasks = [asyncio.create_task(client.submit("echo", {"delay_ms": 20000}, id=i,
                                                   deadline_ms=30000)) for i in ids]

        async def two_busy_one_queued() -> bool:
            s = (await client.stats())["services"]["echo"]
            return bool(s["busy"] == 2 and s["queued"] == 1)

        await wait_async(two_busy_one_queued, 10, "two running and one queued echo")
        started = time.monotonic()
        # One socket sends in order: the last job is the queued one. It is cancelled first (a
        # stopped job frees its worker at once, which would take the queued job next).
        states = {i: await client.cancel(i) for i in reversed(ids)}
        assert states == {ids[2]: "queued", ids[1]: "running", ids[0]: "running"}, states
        for task in tasks:
            with pytest.raises(intentq.Cancelled):
                await task
        assert time.monotonic() - started < 5, "cancelled jobs were not answered at once"

        # The workers stopped their jobs: both are free again long before the 20 s delay.
        async def idle() -> bool:
            return bool((await client.stats())["services"]["echo"]["busy"] == 0)

        await wait_async(idle, 10, "the workers to stop their cancelled jobs")
        counters = (await client.stats())["counters"]
        assert counters["cancelled"] >= 3
        assert counters["jobs_stopped"] >= 2
        # Cancelling again, or an id never used: UnknownJob.
        with pytest.raises(intentq.UnknownJob):
            await client.cancel(ids[0])
        with pytest.raises(intentq.UnknownJob):
            await client.cancel(f"never-{stamp}")


async def test_only_the_submitter_may_cancel(cluster: Cluster) -> None:
    stamp = time.monotonic_ns()
    job_id = f"mine-{stamp}"
    async with intentq.AsyncClient(cluster.frontend) as owner, \
            intentq.AsyncClient(cluster.frontend) as other:
        task = asyncio.create_task(owner.submit("echo", {"delay_ms": 1500, "v": 1}, id=job_id,
                                                deadline_ms=10000))

        async def running() -> bool:
            return bool((await owner.stats())["services"]["echo"]["busy"] >= 1)

        await wait_async(running, 10, "the job to run")
        with pytest.raises(intentq.UnknownJob) as refused:
            await other.cancel(job_id)
        assert refused.value.code == "UNKNOWN_JOB"
        reply = await task  # untouched by the refused cancel
        assert reply.result == {"delay_ms": 1500, "v": 1}


def test_sync_client_cancel_validates_and_says_unknown(cluster: Cluster) -> None:
    with intentq.Client(cluster.frontend) as client:
        with pytest.raises(intentq.UnknownJob):
            client.cancel("no-such-job")
        with pytest.raises(TypeError):
            client.cancel(17)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            client.cancel("")
        with pytest.raises(ValueError):
            client.cancel("x" * 300)
        # The client still works after the refusals.
        assert client.submit("echo", {"k": 1}).result == {"k": 1}
