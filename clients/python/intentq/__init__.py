"""intentq: submit intent jobs to an intentq-broker and subscribe to their results.

    import intentq
    with intentq.Client() as client:                       # INTENTQ_BROKER or tcp://127.0.0.1:5555
        reply = client.submit("positions", {"account": "DU1000001"}, deadline_ms=5000)
        print(reply.result["positions"])
        bars = client.download_bars({"con_id": 265598}, "2026-12-01T00:00:00Z",
                                    "2026-12-05T00:00:00Z", "30 secs")  # chunked, time order

    async with intentq.AsyncClient() as client:            # any number of concurrent coroutines
        replies = await asyncio.gather(*(client.submit("echo", {"n": i}) for i in range(100)))

Errors raise a subclass of IntentqError named after the reply's error code (BadRequest,
UnknownIntent, Busy, Timeout, GatewayError, ...); see intentq.errors. docs/clients.md in the
repository is the guide, docs/protocol.md the wire protocol.
"""

from .aio import AsyncClient
from .client import Client
from .errors import (
    BadRequest,
    BrokerRefused,
    Busy,
    Cancelled,
    ConnectionProblem,
    CurveHandshakeFailed,
    GatewayError,
    GatewayPacing,
    GatewayRefused,
    GatewayUnreachable,
    IntentqError,
    InternalError,
    NoReply,
    NoWorker,
    ProtocolError,
    ResultTooLarge,
    Timeout,
    UnknownAccount,
    UnknownIntent,
    UnknownJob,
    WorkerLost,
    error_class,
)
from .reply import Published, Reply
from .request import Job, new_id
from .settings import CurveKeys, curve_keys
from .subscription import AsyncSubscription, Subscription

__version__ = "0.1.0"

__all__ = [
    "AsyncClient",
    "AsyncSubscription",
    "BadRequest",
    "BrokerRefused",
    "Busy",
    "Cancelled",
    "Client",
    "ConnectionProblem",
    "CurveHandshakeFailed",
    "CurveKeys",
    "GatewayError",
    "GatewayPacing",
    "GatewayRefused",
    "GatewayUnreachable",
    "IntentqError",
    "InternalError",
    "Job",
    "NoReply",
    "NoWorker",
    "ProtocolError",
    "Published",
    "Reply",
    "ResultTooLarge",
    "Subscription",
    "Timeout",
    "UnknownAccount",
    "UnknownIntent",
    "UnknownJob",
    "WorkerLost",
    "curve_keys",
    "error_class",
    "new_id",
]
