"""A broker killed and restarted on the same endpoints while an AsyncClient streams jobs: every
submission gets exactly one reply, its own (nothing lost, nothing duplicated or crossed)."""

from __future__ import annotations

import asyncio
import signal

import intentq
from cluster import Cluster, free_port


async def test_broker_restart_mid_stream(scratch: Cluster) -> None:
    endpoints = {name: f"tcp://127.0.0.1:{free_port()}"
                 for name in ("frontend", "backend", "publish")}
    scratch.start_broker("--startup-grace-ms", "5000", **endpoints)
    scratch.start_worker(client_id=1)
    scratch.start_worker(client_id=2)
    scratch.wait_for_service("echo", workers=2)
    total = 400
    answered: dict[int, list[intentq.Reply]] = {}
    started = asyncio.Event()
    restarted = asyncio.Event()

    async with intentq.AsyncClient(scratch.frontend, timeout_ms=700) as client:
        async def one(n: int) -> None:
            reply = await client.submit("echo", {"n": n, "delay_ms": 20}, id=f"restart-{n}",
                                        deadline_ms=20000)
            answered.setdefault(n, []).append(reply)
            if len(answered) == total // 4:
                started.set()

        async def stream() -> None:
            limit = asyncio.Semaphore(40)

            async def guarded(n: int) -> None:
                async with limit:
                    await one(n)
                    if n == total // 2:
                        await restarted.wait()  # keep some jobs in flight across the restart

            await asyncio.gather(*(guarded(n) for n in range(total)))

        async def restart() -> None:
            await started.wait()
            assert scratch.broker is not None
            scratch.broker.signal(signal.SIGKILL)  # loses every queued and running job
            scratch.broker.proc.wait(10)
            scratch.start_broker("--startup-grace-ms", "5000", **endpoints)
            restarted.set()

        await asyncio.wait_for(asyncio.gather(stream(), restart()), 60)
        # The second half went through the new broker (the first one's jobs in flight were
        # resent to it with their ids).
        assert (await client.stats())["counters"]["accepted"] >= total // 2

    assert sorted(answered) == list(range(total))
    assert all(len(replies) == 1 for replies in answered.values())
    assert all(replies[0].result == {"n": n, "delay_ms": 20} and replies[0].id == f"restart-{n}"
               for n, replies in answered.items())
