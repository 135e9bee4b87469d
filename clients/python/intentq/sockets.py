"""Socket setup shared by the clients and subscriptions: bounded queues and frames, CURVE, and a
monitor attached before connect() so that no connection event is missed."""

from __future__ import annotations

from typing import Any, Optional, TypeVar

import zmq
import zmq.utils.monitor

from .monitor import EVENTS, ConnectionWatch
from .settings import CurveKeys
from .wire import HWM

#: Room above max_reply_bytes before ZeroMQ itself drops the connection: frames between the two
#: are read and reported as ProtocolError; larger ones never reach memory.
_FRAME_SLACK = 1024 * 1024


def configure(socket: Any, endpoint: str, curve: Optional[CurveKeys], max_reply_bytes: int) -> Any:
    """Sets the options, attaches the monitor, connects; returns the monitor's PAIR socket."""
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.SNDHWM, HWM)
    socket.setsockopt(zmq.RCVHWM, HWM)
    socket.setsockopt(zmq.MAXMSGSIZE, max_reply_bytes + _FRAME_SLACK)
    # A handshake that never completes (a peer that accepts and says nothing) ends after 5 s and
    # shows up in the monitor instead of holding the connection for libzmq's 30 s.
    socket.setsockopt(zmq.HANDSHAKE_IVL, 5000)
    socket.setsockopt(zmq.RECONNECT_IVL, 100)
    socket.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
    if curve is not None:
        curve.apply(socket)
    monitor = socket.get_monitor_socket(EVENTS)
    socket.connect(endpoint)
    return monitor


def close_monitored(socket: Any, monitor: Any) -> None:
    """Detaches and closes the monitor, then closes the socket (the order libzmq wants)."""
    socket.disable_monitor()
    monitor.close(linger=0)
    socket.close(linger=0)


_T = TypeVar("_T", bound="MonitoredSocket")


class MonitoredSocket:
    """A socket with its monitor (``_socket``, ``_monitor``), closed once: by :meth:`close` or at
    the end of a ``with`` block."""

    _socket: Any
    _monitor: Any
    _closed: bool

    def close(self) -> None:
        """Closes the socket. Idempotent."""
        if self._closed:
            return
        self._closed = True
        close_monitored(self._socket, self._monitor)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_event(frames: list[bytes]) -> tuple[int, int]:
    """(event, value) of a monitor message (libzmq's two-frame v1 format)."""
    info = zmq.utils.monitor.parse_monitor_message(frames)
    return int(info["event"]), int(info["value"])


def drain_events(monitor: Any, watch: ConnectionWatch) -> None:
    """Feeds every event waiting on ``monitor`` to ``watch``, without blocking."""
    while True:
        try:
            watch.feed(*parse_event(monitor.recv_multipart(zmq.NOBLOCK)))
        except zmq.Again:
            return
