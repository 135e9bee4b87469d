"""Stock Majordomo (MDP/0.1, ZeroMQ RFC 7) peers, written from the RFC for interop tests.

They know nothing of intentq: no envelopes, no extension frames. They behave like the zguide's
reference APIs, which is what third-party Majordomo code looks like:
  SyncClient   REQ socket, one request at a time, Lazy-Pirate retry (like mdcliapi)
  AsyncClient  DEALER socket, many requests in flight (like mdcliapi2)
  Worker       DEALER socket, heartbeats every 2.5 s and only while idle, reconnects on
               DISCONNECT or lost heartbeats (like mdwrkapi)
"""

import time

import zmq

MDPC01 = b"MDPC01"
MDPW01 = b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = (bytes([c]) for c in range(1, 6))


def connect(ctx, kind, endpoint):
    """A new socket of `kind` connected to `endpoint`, dropping unsent messages on close."""
    socket = ctx.socket(kind)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    return socket


class SyncClient:
    """RFC 7 client on REQ: sends [MDPC01, service, body...]; REQ adds the empty delimiter."""

    def __init__(self, ctx, endpoint, timeout_ms=2500, retries=3):
        self.ctx, self.endpoint = ctx, endpoint
        self.timeout_ms, self.retries = timeout_ms, retries
        self.socket = None
        self._connect()

    def _connect(self):
        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = connect(self.ctx, zmq.REQ, self.endpoint)

    def send(self, service, *body):
        """Returns the reply body frames, or None after all retries timed out."""
        request = [MDPC01, service] + list(body)
        for _ in range(self.retries):
            self.socket.send_multipart(request)
            if self.socket.poll(self.timeout_ms, zmq.POLLIN):
                msg = self.socket.recv_multipart()
                # RFC 7: reply is [MDPC01, service, body...] after REQ strips the delimiter.
                assert len(msg) >= 2, msg
                assert msg[0] == MDPC01, msg
                assert msg[1] == service, msg
                return msg[2:]
            # Lazy Pirate: a REQ socket cannot send twice in a row; start over.
            self._connect()
        return None

    def close(self):
        self.socket.close(linger=0)


class AsyncClient:
    """RFC 7 client on DEALER: the empty delimiter is sent explicitly."""

    def __init__(self, ctx, endpoint):
        self.socket = connect(ctx, zmq.DEALER, endpoint)

    def send(self, service, *body):
        self.socket.send_multipart([b"", MDPC01, service] + list(body))

    def recv(self, timeout_ms):
        """Returns (service, body frames) or None on timeout."""
        if not self.socket.poll(timeout_ms, zmq.POLLIN):
            return None
        msg = self.socket.recv_multipart()
        assert len(msg) >= 3 and msg[0] == b"" and msg[1] == MDPC01, msg
        return msg[2], msg[3:]

    def close(self):
        self.socket.close(linger=0)


class Worker:
    """RFC 7 worker. recv(reply) sends the previous reply and waits for the next request."""

    HEARTBEAT_MS = 2500
    LIVENESS = 3
    RECONNECT_MS = 2500

    def __init__(self, ctx, endpoint, service):
        self.ctx, self.endpoint, self.service = ctx, endpoint, service
        self.socket = None
        self.reply_to = None
        self.connects = 0  # how many times READY was sent (1 = never re-registered)
        self.heartbeats_sent = 0
        self._connect()

    def _send(self, command, *frames):
        self.socket.send_multipart([b"", MDPW01, command] + list(frames))

    def _connect(self):
        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = connect(self.ctx, zmq.DEALER, self.endpoint)
        self._send(READY, self.service)
        self.connects += 1
        self.liveness = self.LIVENESS
        self.heartbeat_at = time.monotonic() + self.HEARTBEAT_MS / 1000

    def recv(self, reply=None, stop=None):
        """Returns the next request's body frames; None if `stop` (an Event) was set."""
        if reply is not None:
            assert self.reply_to is not None
            self._send(REPLY, self.reply_to, b"", *reply)
        while stop is None or not stop.is_set():
            if self.socket.poll(self.HEARTBEAT_MS, zmq.POLLIN):
                msg = self.socket.recv_multipart()
                self.liveness = self.LIVENESS
                if len(msg) < 3 or msg[0] != b"" or msg[1] != MDPW01:
                    continue  # not MDP: ignore
                command = msg[2]
                if command == REQUEST and len(msg) >= 5 and msg[4] == b"":
                    self.reply_to = msg[3]
                    return msg[5:]
                if command == DISCONNECT:
                    self._connect()
                # HEARTBEAT: liveness already reset
            else:
                self.liveness -= 1
                if self.liveness == 0:
                    if stop is not None and stop.wait(self.RECONNECT_MS / 1000):
                        return None
                    self._connect()
            if time.monotonic() >= self.heartbeat_at:
                self._send(HEARTBEAT)
                self.heartbeats_sent += 1
                self.heartbeat_at = time.monotonic() + self.HEARTBEAT_MS / 1000
        return None

    def close(self):
        self.socket.close(linger=0)
