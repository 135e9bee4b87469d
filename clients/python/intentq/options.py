"""The constructor options both clients share, checked once (TypeError/ValueError naming the
parameter) and resolved against the ``INTENTQ_*`` variables (intentq.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from . import settings
from .reply import DEFAULT_MAX_REPLY_BYTES
from .request import DEFAULT_MAX_REQUEST_BYTES


def _positive(value: object, name: str, maximum: int = 2**62) -> int:
    return settings.int_in(value, name, 1, maximum)


@dataclass(frozen=True)
class ClientOptions:
    broker: str
    publish: str
    curve: Optional[settings.CurveKeys]
    timeout_ms: int
    connect_timeout_ms: int
    default_deadline_ms: int
    margin_ms: int
    max_reply_bytes: int
    max_request_bytes: int

    @classmethod
    def resolve(
        cls,
        broker: Optional[str],
        publish: Optional[str],
        curve_server_key: Optional[settings.PathLike],
        curve_secret: Optional[settings.PathLike],
        timeout_ms: Optional[int],
        connect_timeout_ms: int,
        default_deadline_ms: int,
        margin_ms: int,
        max_reply_bytes: int,
        max_request_bytes: int,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "ClientOptions":
        return cls(
            broker=settings.endpoint(broker, "INTENTQ_BROKER", settings.DEFAULT_BROKER, "broker",
                                     environ),
            publish=settings.endpoint(publish, "INTENTQ_PUBLISH", settings.DEFAULT_PUBLISH,
                                      "publish", environ),
            curve=settings.curve_keys(curve_server_key, curve_secret, environ),
            timeout_ms=settings.timeout_ms(timeout_ms, environ),
            connect_timeout_ms=_positive(connect_timeout_ms, "connect_timeout_ms"),
            default_deadline_ms=_positive(default_deadline_ms, "default_deadline_ms"),
            margin_ms=_positive(margin_ms, "margin_ms"),
            max_reply_bytes=_positive(max_reply_bytes, "max_reply_bytes", 2**31),
            max_request_bytes=_positive(max_request_bytes, "max_request_bytes", 2**31),
        )


# Defaults of the keyword arguments, in one place for both clients and the docs.
CONNECT_TIMEOUT_MS = 10_000
MARGIN_MS = 2_000
MAX_REPLY_BYTES = DEFAULT_MAX_REPLY_BYTES
MAX_REQUEST_BYTES = DEFAULT_MAX_REQUEST_BYTES
DEFAULT_DEADLINE_MS = settings.DEFAULT_DEADLINE_MS
