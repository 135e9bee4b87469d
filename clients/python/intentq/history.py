"""The chunked historical download (``download_bars``): planning, checking and merging.

A range [start, end) of bars is cut into ``historical_bars`` requests that each fit IB's step
limits, the chunks are submitted with priority ``bulk`` (so interactive work on the same gateway
goes first, docs/protocol.md 6.11), and their bars are put side by side in time order.

Bars of one hour and less divide a whole hour, so their buckets start on multiples of the bar
size in UTC as in any exchange time zone with whole-hour offsets: the range is cut on such
multiples, every bar lies in exactly one chunk, whole, and only the bars inside a chunk are kept
from its answer (a request may reach back further, to whole days), so chunks side by side give
every bar once. Larger bars (2 hours, days, weeks, months) start at the session's local times,
which a client does not know: their range goes in one request. This is the plan of the CLI's
``intentq history`` (cli/history_plan in the repository).

The tables below (bar sizes with their step limits, whatToShow values, the bar cap per request)
are the broker's and worker's table in common/market_data_params.cpp: change both together.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from dataclasses import dataclass
from typing import IO, Any, Mapping, Optional, Sequence, Union

from .errors import ProtocolError
from .request import check_deadline_ms, check_params

_DAY = 86400
_HOUR = 3600

#: IB's bar sizes: name -> (seconds, longest duration in seconds; 0 = bounded by
#: MAX_BARS_PER_REQUEST only). Kept in step with kBarSizes in common/market_data_params.cpp.
BAR_SIZES: dict[str, tuple[int, int]] = {
    "1 secs": (1, 1800), "5 secs": (5, 3600), "10 secs": (10, 14400), "15 secs": (15, 14400),
    "30 secs": (30, 28800), "1 min": (60, 0), "2 mins": (120, 0), "3 mins": (180, 0),
    "5 mins": (300, 0), "10 mins": (600, 0), "15 mins": (900, 0), "20 mins": (1200, 0),
    "30 mins": (1800, 0), "1 hour": (3600, 0), "2 hours": (7200, 0), "3 hours": (10800, 0),
    "4 hours": (14400, 0), "8 hours": (28800, 0), "1 day": (_DAY, 0), "1W": (7 * _DAY, 0),
    "1M": (30 * _DAY, 0),
}
#: Other spellings of the same bar sizes (kBarSizeAliases in common/market_data_params.cpp).
BAR_SIZE_ALIASES: dict[str, str] = {
    "1 sec": "1 secs", "1 mins": "1 min", "1 hours": "1 hour", "2 hour": "2 hours",
    "3 hour": "3 hours", "4 hour": "4 hours", "8 hour": "8 hours", "1 days": "1 day",
    "1 week": "1W", "1 month": "1M", "1 hr": "1 hour",
}
#: The whatToShow values historical_bars accepts (kWhatToShow in common/market_data_params.cpp).
WHAT_TO_SHOW = ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST",
                "HISTORICAL_VOLATILITY", "OPTION_IMPLIED_VOLATILITY")
#: The most bars one request may cover (kMaxBarsPerRequest in common/market_data_params.hpp).
MAX_BARS_PER_REQUEST = 100000
#: The CSV columns (as ``intentq history --format csv``) and the bar fields they hold.
CSV_HEADER = ("time", "open", "high", "low", "close", "volume", "wap", "count")
_CSV_FIELDS = ("t", "o", "h", "l", "c", "v", "wap", "n")
#: Params download_bars sets itself; a contract mapping must not hold them.
_OWN_PARAMS = ("end", "duration", "bar_size", "what_to_show", "use_rth")

#: A time: an aware ``datetime``, ``"YYYY-MM-DDThh:mm:ssZ"`` or epoch seconds.
TimeLike = Union[_dt.datetime, str, int]
#: Where CSV goes: a path or an open text file.
CsvTarget = Union[str, "os.PathLike[str]", IO[str]]


@dataclass(frozen=True)
class Chunk:
    """[start, end) in epoch seconds, and the params of its historical_bars request."""

    start: int
    end: int
    params: dict[str, Any]


def _floor(t: int, step: int) -> int:
    return (t // step) * step


def _ceil(t: int, step: int) -> int:
    return -((-t) // step) * step


def bar_size_seconds(bar_size: object) -> tuple[str, int, int]:
    """IB's name of ``bar_size`` (aliases mapped), its seconds and longest duration; ValueError
    naming the accepted sizes for anything else."""
    if not isinstance(bar_size, str):
        raise TypeError(f"bar_size must be a str, not {type(bar_size).__name__}")
    name = BAR_SIZE_ALIASES.get(bar_size.strip(), bar_size.strip())
    if name not in BAR_SIZES:
        raise ValueError(f"bar_size {bar_size!r} is not one of IB's bar sizes: "
                         + ", ".join(BAR_SIZES))
    seconds, longest = BAR_SIZES[name]
    return name, seconds, longest


def chunk_seconds(seconds: int, longest: int) -> int:
    """The longest chunk for a bar size of one hour or less: the step limit for bars under one
    minute; 7 days for 1 to 3 minutes, 30 days for 5 to 30 minutes, 365 days for one hour (each
    within MAX_BARS_PER_REQUEST bars). 0 for larger bars (one request)."""
    if seconds > _HOUR:
        return 0
    if longest > 0:
        c = longest
    elif seconds <= 3 * 60:
        c = 7 * _DAY
    elif seconds <= 30 * 60:
        c = 30 * _DAY
    else:
        c = 365 * _DAY
    c = min(c, MAX_BARS_PER_REQUEST * seconds)
    return c - c % seconds


def duration_for(span: int) -> Optional[str]:
    """The durationStr asking for at least ``span`` seconds: "<n> S" up to one day, whole days up
    to 365 D, whole years up to 50 Y; None when longer."""
    if span <= 0:
        return None
    if span <= _DAY:
        return f"{span} S"
    days = -(-span // _DAY)
    if days <= 365:
        return f"{days} D"
    years = -(-days // 365)
    return f"{years} Y" if years <= 50 else None


def epoch_of(value: object, name: str) -> int:
    """Epoch seconds of a time argument; TypeError/ValueError naming it."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a datetime, an ISO-8601 UTC str or epoch seconds, "
                        "not bool")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name} must not be before 1970")
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime (a naive one's zone is unknown)")
        return int(value.timestamp())
    if isinstance(value, str):
        try:
            t = _dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ValueError(f"{name} {value!r} is not a time YYYY-MM-DDThh:mm:ssZ (UTC)") from None
        return int(t.replace(tzinfo=_dt.timezone.utc).timestamp())
    raise TypeError(f"{name} must be a datetime, an ISO-8601 UTC str or epoch seconds, "
                    f"not {type(value).__name__}")


def iso_utc(epoch: int) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def bar_epoch(t: object) -> Optional[int]:
    """A bar's time as historical_bars gives it ("YYYY-MM-DDThh:mm:ssZ", or "YYYY-MM-DD" for
    daily and longer bars, read as 00:00 UTC) -> epoch seconds; None when neither."""
    if not isinstance(t, str):
        return None
    try:
        if len(t) == 10:
            d = _dt.datetime.strptime(t, "%Y-%m-%d")
        else:
            d = _dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return int(d.replace(tzinfo=_dt.timezone.utc).timestamp())


def plan(contract: object, start: object, end: object, bar_size: object, what_to_show: object,
         use_rth: object, deadline_ms: object, in_flight: object) -> list[Chunk]:
    """Checks every argument of download_bars (nothing is sent before this passes) and cuts
    [start, end) into chunks in time order: borders on multiples of the chunk length since the
    epoch, the first and last ones shorter. Empty when the range holds no whole bar."""
    if not isinstance(contract, Mapping):
        raise TypeError(f"contract must be a mapping of contract params (e.g. {{'con_id': "
                        f"265598}}), not {type(contract).__name__}")
    for key in contract:
        if not isinstance(key, str):
            raise TypeError(f"contract keys must be str, not {type(key).__name__}")
        if key in _OWN_PARAMS:
            raise ValueError(f"contract must not hold {key!r}: download_bars sets it")
    base = check_params(contract, "contract")
    if not base:
        raise ValueError("contract is empty: give con_id, or symbol, sec_type, exchange and "
                         "currency")
    name, seconds, longest = bar_size_seconds(bar_size)
    if not isinstance(what_to_show, str):
        raise TypeError(f"what_to_show must be a str, not {type(what_to_show).__name__}")
    if what_to_show not in WHAT_TO_SHOW:
        raise ValueError(f"what_to_show {what_to_show!r} is not one of " + ", ".join(WHAT_TO_SHOW))
    if not isinstance(use_rth, bool):
        raise TypeError(f"use_rth must be a bool, not {type(use_rth).__name__}")
    if deadline_ms is not None:
        check_deadline_ms(deadline_ms)
    if isinstance(in_flight, bool) or not isinstance(in_flight, int):
        raise TypeError(f"in_flight must be an int, not {type(in_flight).__name__}")
    if not 1 <= in_flight <= 64:
        raise ValueError(f"in_flight must be 1..64, not {in_flight}")
    t0, t1 = epoch_of(start, "start"), epoch_of(end, "end")
    if t1 <= t0:
        raise ValueError(f"end ({iso_utc(t1)}) must be after start ({iso_utc(t0)})")

    def params(c0: int, c1: int) -> Chunk:
        duration = duration_for(c1 - c0)
        if duration is None:
            raise ValueError(f"the range {iso_utc(c0)} .. {iso_utc(c1)} is longer than one "
                             f"request of {name} bars may ask for (50 Y)")
        p = dict(base)
        p.update(end=iso_utc(c1), duration=duration, bar_size=name, what_to_show=what_to_show,
                 use_rth=use_rth)
        return Chunk(c0, c1, p)

    step = chunk_seconds(seconds, longest)
    if step == 0:
        return [params(t0, t1)]
    t0, t1 = _ceil(t0, seconds), _floor(t1, seconds)
    chunks: list[Chunk] = []
    s = t0
    while s < t1:
        e = min(t1, _floor(s, step) + step)
        chunks.append(params(s, e))
        s = e
    return chunks


def keep(chunk: Chunk, result: Mapping[str, Any], merged: list[dict[str, Any]]) -> None:
    """Appends the bars of one chunk's answer that lie inside the chunk after the bars already
    merged. Chunks do not overlap, so a bar repeating the last one's time is dropped (each bar
    once) and one before it is a broken answer: ProtocolError rather than rows out of order."""
    bars = result.get("bars")
    if not isinstance(bars, list):
        raise ProtocolError(f"historical_bars answer for {iso_utc(chunk.end)} without a bars list")
    last = bar_epoch(merged[-1].get("t")) if merged else None
    for bar in bars:
        t = bar_epoch(bar.get("t")) if isinstance(bar, dict) else None
        if t is None:
            raise ProtocolError(f"historical_bars answer with a bar without a time: {bar!r:.200}")
        if t < chunk.start or t >= chunk.end or t == last:
            continue
        if last is not None and t < last:
            raise ProtocolError(f"historical_bars answer with bars out of time order: {iso_utc(t)}"
                                f" after {iso_utc(last)}")
        merged.append(bar)
        last = t


def write_csv(rows: Sequence[Mapping[str, Any]], target: CsvTarget) -> None:
    """The rows as CSV (header ``time,open,high,low,close,volume,wap,count``; null as empty) to a
    path (created or replaced) or an open text file (left open)."""
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", newline="", encoding="utf-8") as f:
            _write(rows, f)
    elif isinstance(target, io.TextIOBase) or hasattr(target, "write"):
        _write(rows, target)
    else:
        raise TypeError(f"csv must be a path or a text file, not {type(target).__name__}")


def _write(rows: Sequence[Mapping[str, Any]], f: IO[str]) -> None:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in _CSV_FIELDS])


def check_csv_target(target: object) -> None:
    if target is None or isinstance(target, (str, os.PathLike)) or hasattr(target, "write"):
        return
    raise TypeError(f"csv must be a path or a text file, not {type(target).__name__}")
