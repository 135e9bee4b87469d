"""Connection diagnosis from ZeroMQ's socket monitor: when no reply comes, tell apart "nothing
listens there", "the CURVE handshake failed" and "connected, but no reply", and name the option
or variable to check.

ZeroMQ hides connections from the application (it reconnects in the background and queues
messages meanwhile); the monitor's events are the only view of them. The clients feed every event
into a :class:`ConnectionWatch` and ask it for a diagnosis when a request ran out of time.
"""

from __future__ import annotations

import time
from typing import Optional

import zmq

from .errors import BrokerRefused, ConnectionProblem, CurveHandshakeFailed, NoReply

#: Events the watch needs (the others are ignored).
EVENTS = (
    zmq.EVENT_CONNECTED
    | zmq.EVENT_CONNECT_DELAYED
    | zmq.EVENT_CONNECT_RETRIED
    | zmq.EVENT_DISCONNECTED
    | zmq.EVENT_CLOSED
    | zmq.EVENT_HANDSHAKE_SUCCEEDED
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_AUTH
)


class ConnectionWatch:
    """What the monitor said about one socket's connection to one endpoint.

    ``role`` names the broker socket and the variable of its endpoint (frontend:
    ``broker``/``INTENTQ_BROKER``; publish: ``publish``/``INTENTQ_PUBLISH``) and ``domain`` the
    broker's allow directory for it (``clients``, ``subscribers``).
    """

    def __init__(self, endpoint: str, curve: bool, option: str, variable: str, domain: str) -> None:
        self.endpoint = endpoint
        self.curve = curve
        self.option = option
        self.variable = variable
        self.domain = domain
        self.up = False  # a connection with a completed handshake exists now
        self.ever_up = False
        self.tcp_connected = False  # a TCP connection exists now (handshake pending or done)
        self.refused = 0
        self.auth_failed: Optional[int] = None  # ZAP status code of the last refusal
        self.handshake_failed = False
        self.dropped_before_handshake = 0
        self.down_since = time.monotonic()

    def feed(self, event: int, value: int) -> None:
        if event == zmq.EVENT_CONNECTED:
            self.tcp_connected = True
        elif event in (zmq.EVENT_CONNECT_RETRIED, zmq.EVENT_CONNECT_DELAYED):
            if event == zmq.EVENT_CONNECT_RETRIED:
                self.refused += 1
        elif event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            self.up = self.ever_up = True
            self.auth_failed = None
            self.handshake_failed = False
        elif event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            self.auth_failed = value
        elif event in (zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL):
            self.handshake_failed = True
        elif event in (zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED):
            if self.tcp_connected and not self.up:
                self.dropped_before_handshake += 1
            if self.up:
                # Only a usable connection going away restarts the clock: connections that fail
                # their handshake over and over must not look like fresh starts.
                self.down_since = time.monotonic()
            self.up = False
            self.tcp_connected = False

    def down_for(self) -> float:
        """Seconds without a usable connection (0 while one is up)."""
        return 0.0 if self.up else time.monotonic() - self.down_since

    def diagnose(self, waited_ms: int, what: str, lead: str = "no reply for") -> ConnectionProblem:
        """The exception for ``what`` (e.g. "job py-1 (echo)") that got no reply in waited_ms;
        its message starts with "no reply for <what>" and then says why."""
        cls, why = self._diagnose()
        return cls(f"{lead} {what} after {waited_ms} ms: {why}", endpoint=self.endpoint)

    def _diagnose(self) -> tuple[type[ConnectionProblem], str]:
        ep = self.endpoint
        if self.auth_failed is not None:
            return CurveHandshakeFailed, (
                f"{ep} refused our CURVE key (ZAP status {self.auth_failed}): the "
                f"public key of curve_secret / INTENTQ_CURVE_SECRET must be in the broker's "
                f"allow directory '{self.domain}/'"
            )
        if not self.up and (self.handshake_failed or self.dropped_before_handshake
                            or self.tcp_connected):
            if self.curve:
                hint = (
                    "check curve_server_key / INTENTQ_CURVE_SERVER_KEY (the broker's public key) "
                    f"and that our key is in the broker's '{self.domain}/' directory"
                )
            else:
                hint = (
                    "the broker probably requires CURVE: set curve_server_key and curve_secret "
                    "(INTENTQ_CURVE_SERVER_KEY, INTENTQ_CURVE_SECRET)"
                )
            return CurveHandshakeFailed, (
                f"the handshake with {ep} failed (TCP connected, but the ZeroMQ "
                f"handshake never completed): {hint}"
            )
        if not self.up and not self.tcp_connected:
            seen = "connection refused" if self.refused else "no connection made"
            return BrokerRefused, (
                f"nothing answers at {ep} ({seen}): check "
                f"{self.option} / {self.variable} and that the broker runs"
            )
        return NoReply, (
            f"connected to {ep}, but the broker did not answer (overloaded or stuck, or a "
            f"deadline longer than the client's budget)"
            )
