"""MDP/0.1 client frames (docs/protocol.md 2.1) and the matching of replies to requests, shared
by the synchronous and the asyncio client.

A DEALER client may keep many requests in flight; the broker answers in completion order, so a
reply is matched by the job ``id`` in its envelope. Broker rejections of requests it could not
parse carry an empty id; they go to the requests of the intent named in the service frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from .errors import IntentqError, ProtocolError
from .reply import Outcome, Reply, outcome_from_envelope, unpack

PROTOCOL = b"MDPC01"
STATS_SERVICE = "mmi.stats"
#: Cancels a job of this client (docs/protocol.md section 4); the body is the job id.
CANCEL_SERVICE = "mmi.cancel"
#: Sockets keep this many messages queued before blocking (the broker's own peer limit).
HWM = 100_000


def request_frames(service: str, body: bytes) -> list[bytes]:
    return [b"", PROTOCOL, service.encode("ascii"), body]


@dataclass(frozen=True)
class Incoming:
    """One reply: the service it answers, the job id (None when the envelope has none) and
    what it says (a Reply, an IntentqError, or the stats map for mmi.stats)."""

    service: str
    id: Optional[str]
    outcome: Union[Outcome, dict[str, Any]]


def parse_reply(frames: list[bytes], max_reply_bytes: int) -> Incoming:
    """Raises ProtocolError for a message that cannot be matched to any request (not an MDP
    client reply, or a body that is not a msgpack map); returns an Incoming whose outcome is a
    ProtocolError for a matched reply that breaks the envelope rules or is too large."""
    if len(frames) < 4 or frames[0] != b"" or frames[1] != PROTOCOL:
        shape = [len(f) for f in frames[:4]]
        raise ProtocolError(
            f"the broker sent a message that is not an MDP/0.1 client reply "
            f"({len(frames)} frames, sizes {shape})"
        )
    service = frames[2].decode("utf-8", "replace")
    size = sum(len(f) for f in frames[3:])
    if service == STATS_SERVICE:
        if size > max_reply_bytes:
            return Incoming(service, None, ProtocolError(f"stats reply of {size} bytes exceeds "
                                                         f"max_reply_bytes={max_reply_bytes}"))
        try:
            stats = unpack(frames[3], "mmi.stats")
        except ProtocolError as e:
            return Incoming(service, None, e)
        if not isinstance(stats, dict) or len(frames) != 4:
            return Incoming(service, None, ProtocolError("mmi.stats reply is not one msgpack map"))
        return Incoming(service, None, stats)
    env = unpack(frames[3])
    if not isinstance(env, dict):
        raise ProtocolError(f"reply body is a msgpack {type(env).__name__}, not a map")
    job_id = env.get("id")
    job_id = job_id if isinstance(job_id, str) and job_id else None
    if len(frames) != 4:
        return Incoming(service, job_id, ProtocolError(f"reply has {len(frames) - 3} body frames, "
                                                       "expected 1"))
    if size > max_reply_bytes:
        return Incoming(service, job_id, ProtocolError(
            f"reply of {size} bytes exceeds max_reply_bytes={max_reply_bytes}"))
    try:
        outcome = outcome_from_envelope(env)
    except ProtocolError as e:
        return Incoming(service, job_id, e)
    return Incoming(service, job_id, outcome)


def cancel_state(outcome: object) -> str:
    """What an mmi.cancel reply says: ``queued`` (the job left its queue), ``running`` (its
    worker was told to stop it) or ``detached`` (only this client's interest ended; the job goes
    on for its other submitters). Raises the reply's error (UnknownJob, BadRequest, ...)."""
    if isinstance(outcome, IntentqError):
        raise outcome
    if not isinstance(outcome, Reply):
        raise ProtocolError("mmi.cancel reply is not an envelope")
    state = outcome.result.get("state")
    if not isinstance(state, str):
        raise ProtocolError("mmi.cancel reply carries no 'state'")
    return state


def is_code(outcome: object, code: str) -> bool:
    return isinstance(outcome, IntentqError) and outcome.code == code


def budget_ms(deadline_ms: Optional[int], default_deadline_ms: int, margin_ms: int) -> int:
    """How long a request is worth waiting for: its deadline (the broker answers TIMEOUT by
    then at the latest) plus a margin for the trip back."""
    return (deadline_ms if deadline_ms is not None else default_deadline_ms) + margin_ms
