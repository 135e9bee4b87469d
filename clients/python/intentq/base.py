"""What :class:`intentq.Client` and :class:`intentq.AsyncClient` share: the constructor (its
keyword arguments, checked and resolved once by intentq.options) and the methods whose arguments
are the same, so that the two clients take the same options and cannot drift apart.

A method written here returns what the client's own ``_submit_job`` / ``_download`` returns: the
answer itself for the synchronous client, a coroutine to await for the asyncio one. The methods
only gather their arguments; everything is checked when that runs (for the asyncio client, when
the coroutine is awaited, as with its other methods).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Generic, Mapping, Optional, TypeVar

from . import history
from . import options as defaults
from .monitor import ConnectionWatch
from .options import ClientOptions
from .request import Job
from .settings import PathLike

_Context = TypeVar("_Context")
_Replied = TypeVar("_Replied")  # a Reply, or a coroutine returning one
_Rows = TypeVar("_Rows")  # download_bars' rows, or a coroutine returning them

#: download_bars' arguments, checked and cut into chunks when called (history.plan).
Plan = Callable[[], list[history.Chunk]]


class ClientBase(Generic[_Context, _Replied, _Rows]):
    """The options and public methods both clients take; subclasses supply the transport."""

    def __init__(
        self,
        broker: Optional[str] = None,
        *,
        publish: Optional[str] = None,
        curve_server_key: Optional[PathLike] = None,
        curve_secret: Optional[PathLike] = None,
        timeout_ms: Optional[int] = None,
        connect_timeout_ms: int = defaults.CONNECT_TIMEOUT_MS,
        default_deadline_ms: int = defaults.DEFAULT_DEADLINE_MS,
        margin_ms: int = defaults.MARGIN_MS,
        max_reply_bytes: int = defaults.MAX_REPLY_BYTES,
        max_request_bytes: int = defaults.MAX_REQUEST_BYTES,
        context: Optional[_Context] = None,
    ) -> None:
        self.options = ClientOptions.resolve(
            broker, publish, curve_server_key, curve_secret, timeout_ms, connect_timeout_ms,
            default_deadline_ms, margin_ms, max_reply_bytes, max_request_bytes,
        )
        self._context: _Context = context if context is not None else self._default_context()
        self._watch = ConnectionWatch(
            self.options.broker, self.options.curve is not None, "broker", "INTENTQ_BROKER",
            "clients",
        )
        self._closed = False
        self._setup()

    def submit(
        self,
        intent: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        id: Optional[str] = None,
        deadline_ms: Optional[int] = None,
        max_age_ms: Optional[int] = None,
        priority: Optional[str] = None,
    ) -> _Replied:
        """Runs one job and returns its :class:`Reply`, or raises the exception of its error
        code (:class:`~intentq.IntentqError` subclasses). ``id`` defaults to a fresh UUID-based
        id; ``deadline_ms`` to the broker's default; ``max_age_ms`` > 0 accepts an answer up to
        that old from an identical recent job; ``priority`` is ``interactive``, ``normal`` or
        ``bulk`` (brokers without priorities ignore it).

        On an :class:`~intentq.AsyncClient` it is awaitable; many may run at once."""
        return self._submit_job(Job(intent, params, id, deadline_ms, max_age_ms, priority))

    def download_bars(
        self,
        contract: Mapping[str, Any],
        start: history.TimeLike,
        end: history.TimeLike,
        bar_size: str,
        *,
        what_to_show: str = "TRADES",
        use_rth: bool = False,
        deadline_ms: Optional[int] = None,
        in_flight: int = 4,
        csv: Optional[history.CsvTarget] = None,
    ) -> _Rows:
        """Downloads the bars of [start, end) as ``historical_bars`` chunks within IB's step
        limits, submitted with priority ``bulk``, ``in_flight`` at a time, merged in time order
        (intentq.history explains the cut).

        ``contract``: the contract params of ``historical_bars`` (``{"con_id": 265598}``, or
        ``symbol``/``sec_type``/``exchange``/``currency``/...; ``gateway`` pins the chunks to one
        gateway). ``start``/``end``: an aware ``datetime``, ``"YYYY-MM-DDThh:mm:ssZ"`` or epoch
        seconds; for bars of one hour or less the range is narrowed to whole bars. ``bar_size``
        and ``what_to_show``: IB's values (docs/protocol.md 9.9). ``in_flight``: chunks submitted
        at once (1..64). ``deadline_ms``: each chunk's deadline (historical requests may wait for
        IB's pacing: give it room). ``csv``: a path or an open text file to write the rows to as
        CSV (``time,open,high,low,close,volume,wap,count``) as well.

        Returns the bars in time order, each bar once (dicts ``t, o, h, l, c, v, wap, n`` as the
        intent gives them). Bad arguments raise TypeError/ValueError before anything is sent; a
        chunk's error raises its exception (``GatewayPacing``, ``Timeout``, ...).

        On an :class:`~intentq.AsyncClient` it is awaitable (same arguments, same result): at
        most ``in_flight`` chunks run at once (a bounded number of coroutines wait for a turn)."""
        plan = functools.partial(history.plan, contract, start, end, bar_size, what_to_show,
                                 use_rth, deadline_ms, in_flight)
        return self._download(plan, deadline_ms, in_flight, csv)

    # -- what each client supplies ------------------------------------------------------------

    def _default_context(self) -> _Context:
        """The context used when none is given: the process-wide one of the client's kind."""
        raise NotImplementedError

    def _setup(self) -> None:
        """The rest of the constructor, once ``options``, ``_context`` and ``_watch`` are set."""
        raise NotImplementedError

    def _submit_job(self, job: Job) -> _Replied:
        raise NotImplementedError

    def _download(self, plan: Plan, deadline_ms: Optional[int], in_flight: int,
                  csv: Optional[history.CsvTarget]) -> _Rows:
        """``plan()`` checks the arguments and gives the chunks; the rows are written to ``csv``
        when given, and returned."""
        raise NotImplementedError
