"""Subscriptions to the broker's results feed (docs/protocol.md 2.4): a SUB socket per
subscription, ``[topic, reply envelope]`` messages decoded into :class:`~intentq.Published`.

The feed is lossy by design (PUB/SUB): results published before the subscription reached the
broker, or past 1,000 unread messages, are not seen. Use the request/reply path when every
result matters. Messages that do not decode are skipped with a warning on the ``intentq``
logger and counted in ``skipped``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, AsyncIterator, Iterable, Iterator, Optional

import zmq
import zmq.asyncio

from .errors import IntentqError, ProtocolError
from .monitor import ConnectionWatch
from .reply import Published, decode_published
from .settings import CurveKeys
from .sockets import (MonitoredSocket, close_monitored, configure, drain_events,
                      parse_event)

log = logging.getLogger("intentq")


def _check_prefixes(prefixes: Iterable[str]) -> list[bytes]:
    if isinstance(prefixes, (str, bytes)) or not isinstance(prefixes, Iterable):
        raise TypeError("prefixes must be a list of str topic prefixes, e.g. ['result.echo.']")
    out = []
    for i, p in enumerate(prefixes):
        if not isinstance(p, str):
            raise TypeError(f"prefixes[{i}] must be a str, not {type(p).__name__}")
        out.append(p.encode("utf-8"))
    if not out:
        raise ValueError("prefixes must not be empty (use ['result.'] for every result)")
    return out


class _Base:
    def __init__(self, endpoint: str, prefixes: Iterable[str], curve: Optional[CurveKeys],
                 max_bytes: int) -> None:
        self.endpoint = endpoint
        self.prefixes = _check_prefixes(prefixes)
        self.max_bytes = max_bytes
        self.skipped = 0
        self.watch = ConnectionWatch(endpoint, curve is not None, "publish", "INTENTQ_PUBLISH",
                                     "subscribers")

    def _decode(self, frames: list[bytes]) -> Optional[Published]:
        try:
            return decode_published(frames, self.max_bytes)
        except ProtocolError as e:
            self.skipped += 1
            log.warning("intentq: skipping an undecodable message from %s: %s",
                        self.endpoint, e.message)
            return None

    def _connected_or_raise(self, waited_ms: int) -> None:
        if not self.watch.up:
            raise self.watch.diagnose(waited_ms, "the subscription", lead="no connection for")


class Subscription(_Base, MonitoredSocket):
    """Synchronous subscription (from :meth:`intentq.Client.subscribe`). Iterate it, or call
    :meth:`recv` with a timeout; close it (or use ``with``) when done."""

    def __init__(self, context: "zmq.Context[Any]", endpoint: str,
                 prefixes: Iterable[str], curve: Optional[CurveKeys], max_bytes: int) -> None:
        super().__init__(endpoint, prefixes, curve, max_bytes)
        self._socket: Any = context.socket(zmq.SUB)
        for p in self.prefixes:
            self._socket.setsockopt(zmq.SUBSCRIBE, p)
        self._monitor: Any = configure(self._socket, endpoint, curve, max_bytes)
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)
        self._closed = False

    def wait_connected(self, timeout_ms: int = 5000) -> None:
        """Returns once the connection to the publish socket is up (handshake done); raises the
        connection diagnosis (refused, CURVE handshake failed) after ``timeout_ms``. The broker
        may still need a moment to apply the subscription."""
        end = time.monotonic() + timeout_ms / 1000
        while not self.watch.up:
            left = end - time.monotonic()
            if left <= 0:
                self._connected_or_raise(timeout_ms)
            self._pump(max(0.0, left), monitor_only=True)

    def recv(self, timeout_ms: Optional[int] = None) -> Optional[Published]:
        """The next result, or None after ``timeout_ms`` (None: wait for ever)."""
        if self._closed:
            raise IntentqError("the subscription is closed", code="CANCELLED")
        end = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
        while True:
            left = None if end is None else max(0.0, end - time.monotonic())
            for frames in self._pump(left):
                published = self._decode(frames)
                if published is not None:
                    return published
            if end is not None and time.monotonic() >= end:
                return None

    def _pump(self, wait_s: Optional[float], monitor_only: bool = False) -> list[list[bytes]]:
        ms = None if wait_s is None else int(wait_s * 1000) + 1
        events = dict(self._poller.poll(ms))
        if self._monitor in events:
            drain_events(self._monitor, self.watch)
        if monitor_only or self._socket not in events:
            return []
        try:
            return [self._socket.recv_multipart(zmq.NOBLOCK)]
        except zmq.Again:
            return []

    def __iter__(self) -> Iterator[Published]:
        while not self._closed:
            published = self.recv()
            if published is not None:
                yield published



class AsyncSubscription(_Base):
    """asyncio subscription (from :meth:`intentq.AsyncClient.subscribe`): ``async for`` over
    it, or ``await recv(timeout_ms)``; ``await aclose()`` (or ``async with``) when done."""

    def __init__(self, context: zmq.asyncio.Context, endpoint: str, prefixes: Iterable[str],
                 curve: Optional[CurveKeys], max_bytes: int) -> None:
        super().__init__(endpoint, prefixes, curve, max_bytes)
        self._socket: Any = context.socket(zmq.SUB)
        for p in self.prefixes:
            self._socket.setsockopt(zmq.SUBSCRIBE, p)
        self._monitor: Any = configure(self._socket, endpoint, curve, max_bytes)
        self._closed = False

    async def _drain_monitor(self, wait_ms: int) -> None:
        if await self._monitor.poll(wait_ms):
            while True:
                try:
                    self.watch.feed(*parse_event(await self._monitor.recv_multipart(zmq.NOBLOCK)))
                except zmq.Again:
                    break

    async def wait_connected(self, timeout_ms: int = 5000) -> None:
        """As :meth:`Subscription.wait_connected`."""
        end = time.monotonic() + timeout_ms / 1000
        while not self.watch.up:
            left = end - time.monotonic()
            if left <= 0:
                self._connected_or_raise(timeout_ms)
            await self._drain_monitor(max(1, int(left * 1000)))

    async def recv(self, timeout_ms: Optional[int] = None) -> Optional[Published]:
        """The next result, or None after ``timeout_ms`` (None: wait for ever)."""
        if self._closed:
            raise IntentqError("the subscription is closed", code="CANCELLED")
        end = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
        while True:
            left_ms = None if end is None else max(0, int((end - time.monotonic()) * 1000))
            if not await self._socket.poll(left_ms):
                return None
            published = self._decode(await self._socket.recv_multipart())
            if published is not None:
                return published

    def __aiter__(self) -> AsyncIterator[Published]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Published]:
        while not self._closed:
            published = await self.recv()
            if published is not None:
                yield published

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        close_monitored(self._socket, self._monitor)

    async def __aenter__(self) -> "AsyncSubscription":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
