"""Request envelopes (docs/protocol.md 5.1): checked here, before anything is sent.

Everything a caller passes is validated with the rules the broker applies at its door, so a bad
argument is a ``TypeError``/``ValueError`` naming the parameter instead of a ``BAD_REQUEST``
after a round trip (the broker still checks everything; this is for the caller's benefit).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import msgpack

from .settings import int_in

#: Longest job id the broker accepts (bytes of UTF-8).
MAX_ID_BYTES = 256
#: Longest deadline the broker honours (24 h); larger values would be clamped.
MAX_DEADLINE_MS = 24 * 3600 * 1000
#: Default bound on one request body: the broker's default frame limit (4 MiB) minus the 16 KiB
#: it keeps for the reply envelope around an echoed body.
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024 - 16 * 1024
#: Values of the envelope's ``priority`` (issue 20's scheduling; brokers without it ignore it).
PRIORITIES = ("interactive", "normal", "bulk")

# docs/protocol.md 2.1: 1..64 bytes of [A-Za-z0-9_-] segments joined by '.', no segment
# beginning with "ok" or "error".
_SERVICE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_MAX_NESTING = 64
_INT_MIN = -(2**63)
_UINT_MAX = 2**64 - 1


@dataclass(frozen=True)
class Job:
    """One request of a batch (``submit_many``); the fields are ``submit``'s arguments."""

    intent: str
    params: Optional[Mapping[str, Any]] = None
    id: Optional[str] = None
    deadline_ms: Optional[int] = None
    max_age_ms: Optional[int] = None
    priority: Optional[str] = None


def new_id() -> str:
    """A fresh unguessable job id ("py-" + 32 hex digits of a UUID4): ids are shared secrets
    (docs/protocol.md 6.1 step 3)."""
    return "py-" + uuid.uuid4().hex


def check_intent(intent: object, name: str = "intent") -> str:
    if not isinstance(intent, str):
        raise TypeError(f"{name} must be a str, not {type(intent).__name__}")
    size = len(intent.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= 64 or not _SERVICE.fullmatch(intent):
        raise ValueError(
            f"{name} {intent!r} is not a valid intent name (1..64 bytes of [A-Za-z0-9_-] "
            "segments joined by '.')"
        )
    if intent.startswith("mmi."):
        raise ValueError(f"{name} {intent!r}: mmi.* services are the broker's own (use stats())")
    for segment in intent.split("."):
        if segment.startswith(("ok", "error")):
            raise ValueError(f"{name} {intent!r}: no segment may begin with 'ok' or 'error'")
    return intent


def _check_int(value: object, name: str, minimum: int, maximum: int) -> Optional[int]:
    return None if value is None else int_in(value, name, minimum, maximum)


def check_deadline_ms(value: object, name: str = "deadline_ms") -> Optional[int]:
    return _check_int(value, name, 1, MAX_DEADLINE_MS)


def check_max_age_ms(value: object, name: str = "max_age_ms") -> Optional[int]:
    return _check_int(value, name, 0, _UINT_MAX)


def check_id(value: object, name: str = "id") -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    size = len(_utf8(value, name))
    if not 1 <= size <= MAX_ID_BYTES:
        raise ValueError(f"{name} must be 1..{MAX_ID_BYTES} bytes of UTF-8, got {size}")
    return value


def check_priority(value: object, name: str = "priority") -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if value not in PRIORITIES:
        raise ValueError(f"{name} must be one of {', '.join(PRIORITIES)}, got {value!r}")
    return value


def _utf8(text: str, name: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"{name} is not encodable as UTF-8: {e.reason}") from None


def _check_value(value: object, where: str, depth: int) -> None:
    """JSON-shaped values only: what the broker accepts and what a worker can decode."""
    if depth > _MAX_NESTING:
        raise ValueError(f"{where} is nested deeper than {_MAX_NESTING} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not _INT_MIN <= value <= _UINT_MAX:
            raise ValueError(f"{where} = {value} does not fit a 64-bit integer")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number, got {value}")
        return
    if isinstance(value, str):
        _utf8(value, where)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key of type {type(key).__name__}; keys must be str")
            _utf8(key, f"{where} key {key!r}")
            _check_value(item, f"{where}[{key!r}]", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]", depth + 1)
        return
    raise TypeError(
        f"{where} has a value of type {type(value).__name__}; params hold only None, bool, int, "
        "float, str, lists and maps"
    )


def check_params(params: object, name: str = "params") -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a mapping (dict), not {type(params).__name__}")
    _check_value(params, name, 1)
    return dict(params)


def encode(
    job: Job,
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    prefix: str = "",
) -> tuple[str, bytes]:
    """Validates ``job`` and returns (id, msgpack body). ``prefix`` is put before the parameter
    names in error messages (``"jobs[3]."`` for batches)."""
    check_intent(job.intent, prefix + "intent")
    params = check_params(job.params, prefix + "params")
    job_id = check_id(job.id, prefix + "id") or new_id()
    envelope: dict[str, Any] = {"id": job_id, "params": params}
    deadline = check_deadline_ms(job.deadline_ms, prefix + "deadline_ms")
    if deadline is not None:
        envelope["deadline_ms"] = deadline
    max_age = check_max_age_ms(job.max_age_ms, prefix + "max_age_ms")
    if max_age:
        envelope["max_age_ms"] = max_age
    priority = check_priority(job.priority, prefix + "priority")
    if priority is not None:
        envelope["priority"] = priority
    body: bytes = msgpack.packb(envelope, use_bin_type=True)
    if len(body) > max_request_bytes:
        raise ValueError(
            f"{prefix}params: the request is {len(body)} bytes, over the limit of "
            f"{max_request_bytes} (the broker's --max-message-bytes minus 16 KiB)"
        )
    return job_id, body
