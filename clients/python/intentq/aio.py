"""The asyncio client: one DEALER socket (zmq.asyncio) shared by any number of concurrent
coroutines. A reader task takes every reply off the socket and completes the waiting request
with the same job id; a monitor task keeps the connection diagnosis current.

Create it inside the event loop that uses it (e.g. in a FastAPI lifespan handler) and close it
there; it holds one TCP connection to the broker whatever the number of requests in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Coroutine, Iterable, Optional, Union

import zmq
import zmq.asyncio

from .base import ClientBase, Plan
from .client import JobSpec, as_job
from .errors import Cancelled, IntentqError, ProtocolError
from .reply import Outcome, Reply
from . import history
from .request import Job, check_id, encode
from .sockets import close_monitored, configure, parse_event
from .subscription import AsyncSubscription
from .wire import (CANCEL_SERVICE, STATS_SERVICE, budget_ms, cancel_state, is_code, parse_reply,
                   request_frames)

log = logging.getLogger("intentq")

_Result = Union[Outcome, dict[str, Any]]


class _Waiter:
    __slots__ = ("intent", "future")

    def __init__(self, intent: str, future: "asyncio.Future[_Result]") -> None:
        self.intent = intent
        self.future = future


class AsyncClient(ClientBase[zmq.asyncio.Context, Coroutine[Any, Any, Reply],
                             Coroutine[Any, Any, list[dict[str, Any]]]]):
    """asyncio intentq client; safe for any number of concurrent coroutines of one event loop.

    Options as :class:`intentq.Client`. Use ``async with AsyncClient(...) as client:`` or call
    :meth:`aclose` when done: requests still in flight then fail with
    :class:`~intentq.Cancelled`.
    """

    def _default_context(self) -> zmq.asyncio.Context:
        return zmq.asyncio.Context.instance()

    def _setup(self) -> None:
        self._socket: Any = None
        self._monitor: Any = None
        self._tasks: list["asyncio.Task[None]"] = []
        self._waiters: dict[str, list[_Waiter]] = {}
        self._stats_waiters: list["asyncio.Future[_Result]"] = []
        self._cancel_waiters: dict[str, list["asyncio.Future[_Result]"]] = {}

    # -- public API ---------------------------------------------------------------------------

    async def submit_many(self, jobs: Iterable[JobSpec]) -> list[Outcome]:
        """As :meth:`intentq.Client.submit_many`: all sent at once, a list of Reply or exception
        in the order of ``jobs``. Everything is validated before the first request is sent."""
        if isinstance(jobs, (str, bytes)) or not isinstance(jobs, Iterable):
            raise TypeError("jobs must be an iterable of intentq.Job or (intent, params) tuples")
        batch = [as_job(spec, i) for i, spec in enumerate(jobs)]
        encoded = []
        seen: set[str] = set()
        for i, job in enumerate(batch):
            job_id, body = encode(job, max_request_bytes=self.options.max_request_bytes,
                                  prefix=f"jobs[{i}].")
            if job_id in seen:
                raise ValueError(f"jobs[{i}].id {job_id!r} is used twice in one batch")
            seen.add(job_id)
            encoded.append((job_id, body))
        return list(await asyncio.gather(
            *(self._run(job, job_id, body) for job, (job_id, body) in zip(batch, encoded))
        ))

    async def stats(self) -> dict[str, Any]:
        """The broker's ``mmi.stats`` map (docs/protocol.md section 4)."""
        self._open()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Result] = loop.create_future()
        self._stats_waiters.append(future)
        try:
            result = await self._ask(STATS_SERVICE, b"", future)
            if isinstance(result, IntentqError):
                raise result
            assert isinstance(result, dict)
            return result
        finally:
            if future in self._stats_waiters:
                self._stats_waiters.remove(future)

    async def cancel(self, id: str) -> str:
        """As :meth:`intentq.Client.cancel`: the ``submit`` awaiting job ``id`` on this client
        raises :class:`~intentq.Cancelled`; returns ``"queued"``, ``"running"`` or
        ``"detached"``; raises :class:`~intentq.UnknownJob` for an id that is not a queued or
        running job of this client."""
        job_id = check_id(id, "id")
        if job_id is None:
            raise TypeError("id must be a job id (str), not None")
        self._open()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Result] = loop.create_future()
        self._cancel_waiters.setdefault(job_id, []).append(future)
        try:
            return cancel_state(await self._ask(CANCEL_SERVICE, job_id.encode(), future))
        finally:
            waiters = self._cancel_waiters.get(job_id, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._cancel_waiters.pop(job_id, None)

    async def _ask(self, service: str, body: bytes, future: asyncio.Future[_Result]) -> _Result:
        """Sends a request to the broker's ``service`` (once more after ``timeout_ms``: both mmi
        services are harmless to repeat) and returns what the reader resolves ``future`` with;
        after twice ``timeout_ms`` without it, raises what the connection watch diagnoses."""
        timeout = self.options.timeout_ms / 1000
        start = time.monotonic()
        for _ in range(2):
            await self._socket.send_multipart(request_frames(service, body))
            done, _pending = await asyncio.wait({future}, timeout=timeout)
            if done:
                return future.result()
        raise self._watch.diagnose(int((time.monotonic() - start) * 1000), service)

    def subscribe(
        self, prefixes: Iterable[str] = ("result.",), *, publish: Optional[str] = None
    ) -> AsyncSubscription:
        """An :class:`~intentq.AsyncSubscription` (``async for published in ...``); see
        :meth:`intentq.Client.subscribe`."""
        if self._closed:
            raise Cancelled("the client is closed")
        return AsyncSubscription(
            self._context, publish or self.options.publish, prefixes, self.options.curve,
            self.options.max_reply_bytes,
        )

    async def aclose(self) -> None:
        """Stops the reader, fails every request in flight with Cancelled, closes the socket.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, zmq.ZMQError):
                pass
        self._tasks.clear()
        self._fail_all(lambda: Cancelled("the client was closed while the request was in flight"))
        if self._socket is not None:
            close_monitored(self._socket, self._monitor)

    close = aclose

    async def __aenter__(self) -> "AsyncClient":
        self._open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- internals ----------------------------------------------------------------------------

    def _open(self) -> None:
        if self._closed:
            raise Cancelled("the client is closed")
        if self._socket is not None:
            return
        self._socket = self._context.socket(zmq.DEALER)
        self._monitor = configure(
            self._socket, self.options.broker, self.options.curve, self.options.max_reply_bytes
        )
        self._tasks = [
            asyncio.get_running_loop().create_task(self._read_replies(), name="intentq-reader"),
            asyncio.get_running_loop().create_task(self._read_monitor(), name="intentq-monitor"),
        ]

    async def _submit_job(self, job: Job) -> Reply:
        job_id, body = encode(job, max_request_bytes=self.options.max_request_bytes, prefix="")
        outcome = await self._run(job, job_id, body)
        if isinstance(outcome, IntentqError):
            raise outcome
        return outcome

    async def _download(self, plan: Plan, deadline_ms: Optional[int], in_flight: int,
                        csv: Optional[history.CsvTarget]) -> list[dict[str, Any]]:
        chunks = plan()
        history.check_csv_target(csv)
        turn = asyncio.Semaphore(in_flight)

        async def fetch(c: history.Chunk) -> Reply:
            async with turn:
                return await self.submit("historical_bars", c.params, deadline_ms=deadline_ms,
                                         priority="bulk")

        tasks = [asyncio.ensure_future(fetch(c)) for c in chunks]
        rows: list[dict[str, Any]] = []
        try:
            for c, task in zip(chunks, tasks):
                history.keep(c, (await task).result, rows)
        finally:
            for task in tasks:  # a chunk failed: the rest are not needed
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if csv is not None:
            history.write_csv(rows, csv)
        return rows

    async def _run(self, job: Job, job_id: str, body: bytes) -> Outcome:
        self._open()
        opts = self.options
        loop = asyncio.get_running_loop()
        waiter = _Waiter(job.intent, loop.create_future())
        self._waiters.setdefault(job_id, []).append(waiter)
        start = time.monotonic()
        end = start + budget_ms(job.deadline_ms, opts.default_deadline_ms, opts.margin_ms) / 1000
        held: Optional[IntentqError] = None
        sends = 0
        frames = request_frames(job.intent, body)
        next_send = start
        try:
            while True:
                now = time.monotonic()
                if now >= next_send:
                    next_send = now + opts.timeout_ms / 1000
                    # Without a connection the request still waits in the socket's queue and
                    # goes out when it comes (back); a copy per timeout would only pile up.
                    if sends == 0 or self._watch.up:
                        if sends:
                            log.info("intentq: no reply for job %s within %d ms; resent "
                                     "(try %d)", job_id, opts.timeout_ms, sends + 1)
                        await self._socket.send_multipart(frames)
                        sends += 1
                wake = min(next_send, end)
                if not self._watch.up:  # in time to give up on a connection that never came
                    wake = min(wake, max(self._watch.down_since, start)
                               + opts.connect_timeout_ms / 1000)
                done, _ = await asyncio.wait({waiter.future}, timeout=max(0.0, wake - now))
                if done:
                    result = waiter.future.result()
                    assert not isinstance(result, dict)
                    if sends > 1 and is_code(result, "UNKNOWN_INTENT"):
                        # The broker just restarted? Hold the answer, keep trying (as the CLI
                        # does); it is the result if nothing better comes in time.
                        assert isinstance(result, IntentqError)
                        held = result
                        waiter.future = loop.create_future()
                        continue
                    return result
                now = time.monotonic()
                waited_ms = int((now - start) * 1000)
                down_ms = self._watch.down_for() * 1000
                if now >= end or (down_ms >= opts.connect_timeout_ms
                                  and waited_ms >= opts.connect_timeout_ms):
                    return held or self._watch.diagnose(
                        waited_ms, f"job {job_id} ({job.intent}, {sends} tries)")
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                if waiter in waiters:
                    waiters.remove(waiter)
                if not waiters:
                    del self._waiters[job_id]

    async def _read_replies(self) -> None:
        while True:
            try:
                frames = await self._socket.recv_multipart()
            except zmq.ZMQError as e:  # the context was terminated under us
                log.warning("intentq: cannot read replies any more: %s", e)
                self._fail_all(lambda: Cancelled(f"the client's socket failed: {e}"))
                return
            try:
                incoming = parse_reply(frames, self.options.max_reply_bytes)
            except ProtocolError as e:
                log.warning("intentq: %s; failing every request in flight", e.message)
                message = e.message
                self._fail_all(lambda: ProtocolError(message))
                continue
            if incoming.service == STATS_SERVICE:
                for future in self._stats_waiters:
                    if not future.done():
                        future.set_result(incoming.outcome)
                continue
            if incoming.service == CANCEL_SERVICE:
                # By id; a refusal without one (BAD_REQUEST) answers every cancel waiting.
                futures = (self._cancel_waiters.get(incoming.id, []) if incoming.id is not None
                           else [f for fs in self._cancel_waiters.values() for f in fs])
                for future in futures:
                    if not future.done():
                        future.set_result(incoming.outcome)
                continue
            if incoming.id is not None:
                targets = self._waiters.get(incoming.id, [])
            else:  # a broker rejection without id: the requests of that intent
                targets = [w for ws in self._waiters.values() for w in ws
                           if w.intent == incoming.service]
            for waiter in targets:
                if not waiter.future.done():
                    waiter.future.set_result(incoming.outcome)

    async def _read_monitor(self) -> None:
        while True:
            try:
                frames = await self._monitor.recv_multipart()
            except zmq.ZMQError:
                return
            self._watch.feed(*parse_event(frames))

    def _fail_all(self, make: Any) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.future.done():
                    waiter.future.set_result(make())
        for future in self._stats_waiters:
            if not future.done():
                future.set_result(make())
        for futures in self._cancel_waiters.values():
            for future in futures:
                if not future.done():
                    future.set_result(make())
