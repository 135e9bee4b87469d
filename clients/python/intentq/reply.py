"""Reply envelopes (docs/protocol.md 5.2): decoded, checked, and turned into a :class:`Reply` or
the exception of their error code.

Replies are not refused for invalid UTF-8 (a worker relays what the gateway sent): such bytes
become U+FFFD. Anything else that breaks the envelope rules is a :class:`ProtocolError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union

import msgpack

from .errors import IntentqError, ProtocolError, error_from_reply

#: Default bound on one reply frame the client accepts (the broker's default is 4 MiB).
DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Reply:
    """A successful job reply.

    ``result`` is the intent's result map (docs/protocol.md section 9); ``timings_ms`` the
    broker's ``queued``, the worker's ``run`` and one entry per gateway request. ``cached``,
    ``age_ms`` and ``source_id`` say when the answer was shared (section 6.8); ``dedup`` that it
    came from the broker's dedup cache (an earlier submission of the same id). ``envelope`` is
    the whole decoded reply, for fields newer brokers add.
    """

    id: str
    intent: str
    result: dict[str, Any]
    worker: str = ""
    timings_ms: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    age_ms: Optional[int] = None
    source_id: Optional[str] = None
    dedup: bool = False
    envelope: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Published:
    """One result from the broker's publish socket: its topic and the reply or the error."""

    topic: str
    reply: Optional[Reply]
    error: Optional[IntentqError]

    @property
    def ok(self) -> bool:
        return self.reply is not None


Outcome = Union[Reply, IntentqError]


def unpack(body: bytes, what: str = "reply") -> Any:
    """msgpack bytes to Python values; ProtocolError for anything that is not one msgpack value."""
    try:
        return msgpack.unpackb(body, raw=False, unicode_errors="replace", strict_map_key=False)
    except Exception as e:  # msgpack raises several types (ExtraData, FormatError, ValueError...)
        raise ProtocolError(f"{what} body ({len(body)} bytes) is not msgpack: {e}") from None


def _field(env: dict[Any, Any], key: str, kind: type, required: bool = False) -> Any:
    value = env.get(key)
    if value is None:
        if required:
            raise ProtocolError(f"reply lacks field '{key}'")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"reply field '{key}' must be {kind.__name__}, found {type(value).__name__}")
    return value


def outcome_from_envelope(env: Any) -> Outcome:
    """A decoded reply envelope as a Reply or the exception of its error code (returned, not
    raised); ProtocolError (raised) when it breaks the envelope rules."""
    if not isinstance(env, dict):
        raise ProtocolError(f"reply body is not a msgpack map but {type(env).__name__}")
    job_id = _field(env, "id", str, required=True)
    intent = _field(env, "intent", str, required=True)
    status = _field(env, "status", str, required=True)
    timings = _field(env, "timings_ms", dict) or {}
    worker = _field(env, "worker", str) or ""
    if status == "error":
        err = _field(env, "error", dict, required=True)
        if not isinstance(err.get("code"), str):
            raise ProtocolError("reply field 'error' must contain a 'code' string")
        for key, kind in (("message", str), ("gateway_code", int), ("gateway_message", str)):
            value = err.get(key)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise ProtocolError(f"reply field 'error.{key}' must be {kind.__name__}")
        return error_from_reply(env)
    if status != "ok":
        raise ProtocolError(f'reply field \'status\' must be "ok" or "error", found {status!r}')
    result = _field(env, "result", dict) or {}
    cached = _field(env, "cached", bool) or False
    dedup = _field(env, "dedup", bool) or False
    age_ms = _field(env, "age_ms", int)
    source_id = _field(env, "source_id", str)
    return Reply(
        id=job_id,
        intent=intent,
        result=result,
        worker=worker,
        timings_ms=timings,
        cached=cached,
        age_ms=age_ms,
        source_id=source_id,
        dedup=dedup,
        envelope=env,
    )


def decode_published(frames: list[bytes], max_bytes: int = DEFAULT_MAX_REPLY_BYTES) -> Published:
    """A message of the publish socket, ``[topic, reply envelope]``; ProtocolError when it is
    not one."""
    if len(frames) != 2:
        raise ProtocolError(f"published message has {len(frames)} frames, expected 2")
    if len(frames[1]) > max_bytes:
        raise ProtocolError(f"published message of {len(frames[1])} bytes exceeds {max_bytes}")
    topic = frames[0].decode("utf-8", "replace")
    outcome = outcome_from_envelope(unpack(frames[1], "published"))
    if isinstance(outcome, Reply):
        return Published(topic, outcome, None)
    return Published(topic, None, outcome)
