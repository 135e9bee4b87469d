"""The synchronous client: one DEALER socket to the broker's frontend, requests matched to
replies by job id, resends with the same id until the request's deadline has surely passed.

A ``Client`` is for one thread (ZeroMQ sockets must not be shared between threads); give each
thread its own, or use :class:`intentq.AsyncClient` for many concurrent requests.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Union

import zmq

from .base import ClientBase, Plan
from .errors import Cancelled, IntentqError, ProtocolError
from .reply import Outcome, Reply
from . import history
from .request import Job, check_id, encode
from .sockets import MonitoredSocket, configure, drain_events
from .subscription import Subscription
from .wire import (CANCEL_SERVICE, STATS_SERVICE, Incoming, budget_ms, cancel_state, is_code,
                   parse_reply, request_frames)

log = logging.getLogger("intentq")

JobSpec = Union[Job, tuple[str, Optional[Mapping[str, Any]]], str]


def as_job(spec: object, index: int) -> Job:
    """A Job from a Job, an (intent, params) pair or an intent name (submit_many's items)."""
    if isinstance(spec, Job):
        return spec
    if isinstance(spec, str):
        return Job(spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        return Job(spec[0], spec[1])
    raise TypeError(
        f"jobs[{index}] must be an intentq.Job, an (intent, params) tuple or an intent name, "
        f"not {type(spec).__name__}"
    )


@dataclass
class _Request:
    intent: str
    id: str
    body: bytes
    start: float
    end: float
    next_send: float
    sends: int = 1
    held: Optional[IntentqError] = None  # UNKNOWN_INTENT after a resend (broker restarted?)
    outcome: Optional[Outcome] = None
    extra: dict[str, Any] = field(default_factory=dict)


class Client(ClientBase["zmq.Context[Any]", Reply, list[dict[str, Any]]],
             MonitoredSocket):
    """Synchronous intentq client (one per thread).

    ``broker`` is the frontend endpoint (default ``INTENTQ_BROKER``, else
    ``tcp://127.0.0.1:5555``); ``publish`` the results endpoint for :meth:`subscribe`
    (``INTENTQ_PUBLISH``, else ``tcp://127.0.0.1:5557``). CURVE: ``curve_server_key`` (the
    broker's public key, Z85 or its ``NAME.key`` file) and ``curve_secret`` (this client's
    ``NAME.key_secret``), else ``INTENTQ_CURVE_SERVER_KEY`` / ``INTENTQ_CURVE_SECRET``.

    Retries: a request unanswered after ``timeout_ms`` (``INTENTQ_TIMEOUT_MS``, default 5000) is
    sent again with the same id (the broker attaches it to the running job or answers it from its
    dedup cache, so it never runs twice), until its deadline (``deadline_ms``, else
    ``default_deadline_ms``, the broker's default of 30 s) plus ``margin_ms`` has passed; then
    it raises a :class:`~intentq.ConnectionProblem` saying what the socket saw. With no usable
    connection for ``connect_timeout_ms`` it gives up sooner.
    """

    def _default_context(self) -> "zmq.Context[Any]":
        return zmq.Context.instance()

    def _setup(self) -> None:
        self._socket: Any = self._context.socket(zmq.DEALER)
        self._monitor: Any = configure(
            self._socket, self.options.broker, self.options.curve, self.options.max_reply_bytes
        )
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)

    # -- public API ---------------------------------------------------------------------------

    def submit_many(self, jobs: Iterable[JobSpec]) -> list[Outcome]:
        """Sends every job at once and waits for all: a list, in the order of ``jobs``, holding
        each job's Reply or its exception (returned, not raised). Items are :class:`Job`,
        ``(intent, params)`` pairs or intent names. Ids must be distinct within a batch."""
        if isinstance(jobs, (str, bytes)) or not isinstance(jobs, Iterable):
            raise TypeError("jobs must be an iterable of intentq.Job or (intent, params) tuples")
        batch = [as_job(spec, i) for i, spec in enumerate(jobs)]
        return self._run(batch, "jobs[{}].")

    def stats(self) -> dict[str, Any]:
        """The broker's ``mmi.stats`` map (docs/protocol.md section 4)."""
        self._check_open()
        incoming = self._ask(STATS_SERVICE, b"", lambda incoming: True)
        if isinstance(incoming.outcome, dict):
            return incoming.outcome
        assert isinstance(incoming.outcome, IntentqError)
        raise incoming.outcome

    def cancel(self, id: str) -> str:
        """Cancels job ``id`` of this client (``mmi.cancel``, docs/protocol.md section 4): its
        submitters get :class:`~intentq.Cancelled`; a queued job leaves the queue, a running
        one's worker is told to stop it (sending IB's cancel). Returns ``"queued"``,
        ``"running"`` or ``"detached"`` (the job goes on for other submitters of an identical
        request). Only the submitter may cancel: the same connection, or with CURVE the same
        key. Raises :class:`~intentq.UnknownJob` for an id that is not a queued or running job
        of this client, whether or not it exists."""
        self._check_open()
        job_id = check_id(id, "id")
        if job_id is None:
            raise TypeError("id must be a job id (str), not None")
        # Cancelling twice is harmless (the second says UNKNOWN_JOB after a first that worked;
        # its answer is then the one that counts).
        incoming = self._ask(CANCEL_SERVICE, job_id.encode(),
                             lambda incoming: incoming.id in (job_id, None))
        return cancel_state(incoming.outcome)

    def subscribe(
        self,
        prefixes: Iterable[str] = ("result.",),
        *,
        publish: Optional[str] = None,
    ) -> Subscription:
        """A :class:`~intentq.Subscription` to the broker's results feed: iterate it for
        :class:`~intentq.Published` results whose topic starts with one of ``prefixes``
        (``result.`` = all, ``result.summary.`` = one intent, ``result.summary.error`` its
        failures). Undecodable messages are skipped with a logged warning."""
        self._check_open()
        return Subscription(
            self._context, publish or self.options.publish, prefixes, self.options.curve,
            self.options.max_reply_bytes,
        )

    # -- internals ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise Cancelled("the client is closed")

    def _submit_job(self, job: Job) -> Reply:
        outcome = self._run([job], "")[0]
        if isinstance(outcome, IntentqError):
            raise outcome
        return outcome

    def _download(self, plan: Plan, deadline_ms: Optional[int], in_flight: int,
                  csv: Optional[history.CsvTarget]) -> list[dict[str, Any]]:
        chunks = plan()
        history.check_csv_target(csv)
        rows: list[dict[str, Any]] = []
        for i in range(0, len(chunks), in_flight):
            batch = chunks[i:i + in_flight]
            outcomes = self.submit_many(
                [Job("historical_bars", c.params, deadline_ms=deadline_ms, priority="bulk")
                 for c in batch])
            for c, outcome in zip(batch, outcomes):
                if isinstance(outcome, IntentqError):
                    raise outcome
                history.keep(c, outcome.result, rows)
        if csv is not None:
            history.write_csv(rows, csv)
        return rows

    def _ask(self, service: str, body: bytes, answers: Callable[[Incoming], bool]) -> Incoming:
        """Sends a request to the broker's ``service`` (again after ``timeout_ms``: both mmi
        services are harmless to repeat) and returns its first reply that ``answers`` accepts;
        after twice ``timeout_ms`` without one, raises what the connection watch diagnoses."""
        timeout = self.options.timeout_ms / 1000
        start = time.monotonic()
        end = start + 2 * timeout
        next_send = start
        while True:
            now = time.monotonic()
            if now >= end:
                raise self._watch.diagnose(int((now - start) * 1000), service)
            if now >= next_send:
                self._socket.send_multipart(request_frames(service, body))
                next_send = now + timeout
            for frames in self._receive(min(end, next_send)):
                try:
                    incoming = parse_reply(frames, self.options.max_reply_bytes)
                except ProtocolError as e:
                    raise e from None
                if incoming.service == service and answers(incoming):
                    return incoming

    def _receive(self, until: float) -> list[list[bytes]]:
        """Waits until a reply is there or ``until``; returns every reply waiting (feeding the
        monitor's events to the watch on the way)."""
        wait_ms = max(0, int((until - time.monotonic()) * 1000) + 1)
        events = dict(self._poller.poll(wait_ms))
        if self._monitor in events:
            drain_events(self._monitor, self._watch)
        out: list[list[bytes]] = []
        if self._socket in events:
            while len(out) < 10_000:
                try:
                    out.append(self._socket.recv_multipart(zmq.NOBLOCK))
                except zmq.Again:
                    break
        return out

    def _run(self, jobs: list[Job], prefix: str) -> list[Outcome]:
        self._check_open()
        opts = self.options
        encoded = []
        by_id: dict[str, int] = {}
        for i, job in enumerate(jobs):
            where = prefix.format(i)
            job_id, body = encode(job, max_request_bytes=opts.max_request_bytes, prefix=where)
            if job_id in by_id:
                raise ValueError(f"{where}id {job_id!r} is used twice in one batch")
            by_id[job_id] = i
            encoded.append((job_id, body))
        now = time.monotonic()
        timeout = opts.timeout_ms / 1000
        requests = []
        for job, (job_id, body) in zip(jobs, encoded):
            budget = budget_ms(job.deadline_ms, opts.default_deadline_ms, opts.margin_ms) / 1000
            requests.append(_Request(job.intent, job_id, body, now, now + budget, now + timeout))
            self._socket.send_multipart(request_frames(job.intent, body))
        left = len(requests)
        while left:
            pending = [r for r in requests if r.outcome is None]
            until = min(min(r.next_send, r.end) for r in pending)
            if not self._watch.up:  # wake up in time to give up on a connection that never came
                until = min(until, max(self._watch.down_since, min(r.start for r in pending))
                            + opts.connect_timeout_ms / 1000)
            for frames in self._receive(until):
                left -= self._route(frames, requests, by_id)
            now = time.monotonic()
            down_ms = self._watch.down_for() * 1000
            for r in requests:
                if r.outcome is not None:
                    continue
                waited_ms = int((now - r.start) * 1000)
                give_up = now >= r.end or (
                    down_ms >= opts.connect_timeout_ms and waited_ms >= opts.connect_timeout_ms
                )
                if give_up:
                    r.outcome = r.held or self._watch.diagnose(
                        waited_ms, f"job {r.id} ({r.intent}, {r.sends} tries)"
                    )
                    left -= 1
                elif now >= r.next_send:
                    r.next_send = now + timeout
                    # Without a connection the request still waits in the socket's queue and
                    # goes out when it comes (back); a copy per timeout would only pile up.
                    if self._watch.up:
                        self._socket.send_multipart(request_frames(r.intent, r.body))
                        r.sends += 1
                        log.info("intentq: no reply for job %s within %d ms; resent (try %d)",
                                 r.id, opts.timeout_ms, r.sends)
        return [r.outcome for r in requests if r.outcome is not None]

    def _route(self, frames: list[bytes], requests: list[_Request], by_id: dict[str, int]) -> int:
        """Hands one reply to its request(s); returns how many requests it finished."""
        try:
            incoming = parse_reply(frames, self.options.max_reply_bytes)
        except ProtocolError as e:
            # Unmatchable garbage: the broker speaks something else; no reply can be trusted.
            done = 0
            for r in requests:
                if r.outcome is None:
                    r.outcome = ProtocolError(e.message)
                    done += 1
            return done
        return finish(incoming, requests, by_id)


def finish(incoming: Incoming, requests: list[_Request], by_id: dict[str, int]) -> int:
    if incoming.service in (STATS_SERVICE, CANCEL_SERVICE):
        return 0  # answers to stats() and cancel(), not to a job
    if incoming.id is not None:
        index = by_id.get(incoming.id)
        targets = [requests[index]] if index is not None else []
    else:  # a broker rejection without id: the requests of that intent
        targets = [r for r in requests if r.intent == incoming.service]
    done = 0
    for r in targets:
        if r.outcome is not None:
            continue  # a second reply to a resent request
        outcome = incoming.outcome
        assert isinstance(outcome, (Reply, IntentqError))
        if r.sends > 1 and is_code(outcome, "UNKNOWN_INTENT"):
            # After a resend, UNKNOWN_INTENT most likely comes from a broker that just restarted
            # and whose workers have not registered again: hold it, keep trying until the budget
            # ends (as the CLI does).
            assert isinstance(outcome, IntentqError)
            r.held = outcome
            continue
        r.outcome = outcome
        done += 1
    return done
