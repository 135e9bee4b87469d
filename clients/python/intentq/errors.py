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


class IntentqError(Exception):
    """Base class: a job ended with an error reply, or the client could not get a reply."""

    #: The wire code this class stands for ("" for the base class).
    CODE: ClassVar[str] = ""

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


class BadRequest(IntentqError):
    """The request or its params are invalid (the message names the field)."""

    CODE = "BAD_REQUEST"


class UnknownIntent(IntentqError):
    """No worker has ever registered this intent with the broker."""

    CODE = "UNKNOWN_INTENT"


class UnknownAccount(IntentqError):
    """No live worker's gateway holds ``params.account``."""

    CODE = "UNKNOWN_ACCOUNT"


class Busy(IntentqError):
    """The broker's queue for the intent is full, or the broker is draining; retry later."""

    CODE = "BUSY"


class Timeout(IntentqError):
    """The job's deadline passed (the message says where it was waiting)."""

    CODE = "TIMEOUT"


class WorkerLost(IntentqError):
    """The worker running the job died and the job was not run again."""

    CODE = "WORKER_LOST"


class NoWorker(IntentqError):
    """No live worker serves the intent: its workers all left more than the broker's
    ``--no-worker-grace-ms`` (default 2 s) ago. The message says since when."""

    CODE = "NO_WORKER"


class Cancelled(IntentqError):
    """The job was cancelled, or the client was closed while the request was in flight."""

    CODE = "CANCELLED"


class UnknownJob(IntentqError):
    """A cancel named a job the broker does not know (or one of another submitter)."""

    CODE = "UNKNOWN_JOB"


class GatewayUnreachable(IntentqError):
    """IB Gateway / TWS could not be reached: by the worker, or (from the broker, at once) no
    worker of the intent has its gateway session up; the message names the gateway and the cause."""

    CODE = "GATEWAY_UNREACHABLE"


class GatewayRefused(IntentqError):
    """The gateway refused the session (e.g. clientId in use, IB error 326)."""

    CODE = "GATEWAY_REFUSED"


class GatewayError(IntentqError):
    """IB answered a request with an error (``gateway_code``/``gateway_message`` hold IB's)."""

    CODE = "GATEWAY_ERROR"


class GatewayPacing(IntentqError):
    """IB reported a pacing violation (IB error 100)."""

    CODE = "GATEWAY_PACING"


class ResultTooLarge(IntentqError):
    """The worker's reply would exceed its message size limit."""

    CODE = "RESULT_TOO_LARGE"


class InternalError(IntentqError):
    """A bug in a broker or worker, or an invalid worker reply."""

    CODE = "INTERNAL"


# Problems the client detects itself.


class ProtocolError(IntentqError):
    """The broker's answer is not what the protocol allows (malformed, oversized, wrong shape)."""

    CODE = "PROTOCOL"


class ConnectionProblem(IntentqError):
    """No reply came within the retry budget; the subclass says why, as far as the socket knows.

    ``endpoint`` is the broker endpoint; the message names the option or variable to check.
    """

    CODE = "NO_REPLY"

    def __init__(self, message: str, *, endpoint: str = "", **kwargs: Any) -> None:
        self.endpoint = endpoint
        super().__init__(message, **kwargs)


class BrokerRefused(ConnectionProblem):
    """Nothing listens at the broker endpoint (TCP connection refused or not reachable)."""

    CODE = "CONNECTION_REFUSED"


class CurveHandshakeFailed(ConnectionProblem):
    """The connection was made but the CURVE handshake failed: wrong server key, our key not in
    the broker's allow directory, or CURVE on one side only."""

    CODE = "CURVE_HANDSHAKE_FAILED"


class NoReply(ConnectionProblem):
    """Connected to the broker, but no reply came within the retry budget."""

    CODE = "NO_REPLY"


_BY_CODE: dict[str, type[IntentqError]] = {
    cls.CODE: cls
    for cls in (
        BadRequest,
        UnknownIntent,
        UnknownAccount,
        Busy,
        Timeout,
        WorkerLost,
        NoWorker,
        Cancelled,
        UnknownJob,
        GatewayUnreachable,
        GatewayRefused,
        GatewayError,
        GatewayPacing,
        ResultTooLarge,
        InternalError,
    )
}


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
