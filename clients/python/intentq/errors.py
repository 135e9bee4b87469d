"""The exceptions of the intentq client: one class per error code of a reply envelope
(docs/protocol.md section 5.3), plus the problems the client itself detects (no connection,
a reply that breaks the protocol, a client closed with requests in flight).

Every exception derives from :class:`IntentqError` and carries ``code`` (the wire code, e.g.
``"GATEWAY_ERROR"``), ``message`` and, for gateway errors, the gateway's ``gateway_code`` and
``gateway_message``. A code this version does not know becomes a plain :class:`IntentqError`
whose ``code`` is the text the broker sent.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional


#: The exception class of each wire code of a reply, filled as the classes below are defined.
_BY_CODE: dict[str, type["IntentqError"]] = {}


class IntentqError(Exception):
    """Base class: a job ended with an error reply, or the client could not get a reply."""

    #: The wire code this class stands for ("" for the base class).
    CODE: ClassVar[str] = ""

    def __init_subclass__(cls, *, code: str = "", from_reply: bool = False, **kwargs: Any) -> None:
        """``code``: the wire code of the subclass; ``from_reply``: error replies with that code
        raise this class (error_class)."""
        super().__init_subclass__(**kwargs)
        if code:
            cls.CODE = code
        if from_reply:
            _BY_CODE[cls.CODE] = cls

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        gateway_code: Optional[int] = None,
        gateway_message: Optional[str] = None,
        id: Optional[str] = None,
        intent: Optional[str] = None,
        worker: Optional[str] = None,
        timings_ms: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.code: str = code if code is not None else self.CODE
        self.message = message
        self.gateway_code = gateway_code
        self.gateway_message = gateway_message
        self.id = id
        self.intent = intent
        self.worker = worker
        self.timings_ms: dict[str, Any] = dict(timings_ms or {})
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" (job {self.id})" if self.id else ""
        return f"{self.code}: {self.message}{where}" if self.code else self.message + where


# Codes made by the broker or a worker (docs/protocol.md 5.3).


class BadRequest(IntentqError, code="BAD_REQUEST", from_reply=True):
    """The request or its params are invalid (the message names the field)."""


class UnknownIntent(IntentqError, code="UNKNOWN_INTENT", from_reply=True):
    """No worker has ever registered this intent with the broker."""


class UnknownAccount(IntentqError, code="UNKNOWN_ACCOUNT", from_reply=True):
    """No live worker's gateway holds ``params.account``."""


class Busy(IntentqError, code="BUSY", from_reply=True):
    """The broker's queue for the intent is full, or the broker is draining; retry later."""


class Timeout(IntentqError, code="TIMEOUT", from_reply=True):
    """The job's deadline passed (the message says where it was waiting)."""


class WorkerLost(IntentqError, code="WORKER_LOST", from_reply=True):
    """The worker running the job died and the job was not run again."""


class NoWorker(IntentqError, code="NO_WORKER", from_reply=True):
    """No live worker serves the intent: its workers all left more than the broker's
    ``--no-worker-grace-ms`` (default 2 s) ago. The message says since when."""


class Cancelled(IntentqError, code="CANCELLED", from_reply=True):
    """The job was cancelled, or the client was closed while the request was in flight."""


class UnknownJob(IntentqError, code="UNKNOWN_JOB", from_reply=True):
    """A cancel named a job the broker does not know (or one of another submitter)."""


class GatewayUnreachable(IntentqError, code="GATEWAY_UNREACHABLE", from_reply=True):
    """IB Gateway / TWS could not be reached: by the worker, or (from the broker, at once) no
    worker of the intent has its gateway session up; the message names the gateway and the cause."""


class GatewayRefused(IntentqError, code="GATEWAY_REFUSED", from_reply=True):
    """The gateway refused the session (e.g. clientId in use, IB error 326)."""


class GatewayError(IntentqError, code="GATEWAY_ERROR", from_reply=True):
    """IB answered a request with an error (``gateway_code``/``gateway_message`` hold IB's)."""


class GatewayPacing(IntentqError, code="GATEWAY_PACING", from_reply=True):
    """IB reported a pacing violation (IB error 100)."""


class ResultTooLarge(IntentqError, code="RESULT_TOO_LARGE", from_reply=True):
    """The worker's reply would exceed its message size limit."""


class InternalError(IntentqError, code="INTERNAL", from_reply=True):
    """A bug in a broker or worker, or an invalid worker reply."""


# Problems the client detects itself.


class ProtocolError(IntentqError, code="PROTOCOL"):
    """The broker's answer is not what the protocol allows (malformed, oversized, wrong shape)."""


class ConnectionProblem(IntentqError, code="NO_REPLY"):
    """No reply came within the retry budget; the subclass says why, as far as the socket knows.

    ``endpoint`` is the broker endpoint; the message names the option or variable to check.
    """

    def __init__(self, message: str, *, endpoint: str = "", **kwargs: Any) -> None:
        self.endpoint = endpoint
        super().__init__(message, **kwargs)


class BrokerRefused(ConnectionProblem, code="CONNECTION_REFUSED"):
    """Nothing listens at the broker endpoint (TCP connection refused or not reachable)."""


class CurveHandshakeFailed(ConnectionProblem, code="CURVE_HANDSHAKE_FAILED"):
    """The connection was made but the CURVE handshake failed: wrong server key, our key not in
    the broker's allow directory, or CURVE on one side only."""


class NoReply(ConnectionProblem, code="NO_REPLY"):
    """Connected to the broker, but no reply came within the retry budget."""




def error_class(code: str) -> type[IntentqError]:
    """The exception class of a wire error code; :class:`IntentqError` for unknown codes."""
    return _BY_CODE.get(code, IntentqError)


def error_from_reply(envelope: Mapping[str, Any]) -> IntentqError:
    """The exception for a decoded error reply envelope (already checked by intentq.reply)."""
    err = envelope["error"]
    code = str(err["code"])
    timings = envelope.get("timings_ms")
    return error_class(code)(
        str(err.get("message", "")),
        code=code,
        gateway_code=err.get("gateway_code"),
        gateway_message=err.get("gateway_message"),
        id=envelope.get("id") or None,
        intent=envelope.get("intent") or None,
        worker=envelope.get("worker"),
        timings_ms=timings if isinstance(timings, dict) else None,
    )
