"""download_bars (issue 21 item 1): the chunked historical download against the real simulator
with its market-data scenario, frozen at one market time (--market-time) so that every request
sees the same series. A multi-chunk download equals one historical_bars request over a range the
step limits allow, with each bar once at the chunk borders; bad input fails before anything is
sent."""

from __future__ import annotations

import csv
import io
import os
from typing import Any, Iterator

import pytest

import intentq
from cluster import Cluster

SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                        "market_data_scenario.json")
MARKET_TIME = "2026-12-04T21:00:00Z"
BTC = {"con_id": 479624278}  # trades around the clock: every 30 s bar of the range exists
AAPL = {"con_id": 265598}


@pytest.fixture(scope="module")
def md(log_dir: str) -> Iterator[Cluster]:
    """Simulator (market-data scenario, frozen market time, IB's pacing windows × 0.01) + broker
    (historical pacing windows × 0.01) + one worker with a gateway session."""
    c = Cluster(log_dir)
    try:
        _, gateway = c.start_sim("--scenario", SCENARIO, "--market-time", MARKET_TIME,
                                 "--time-scale", "0.01")
        c.start_broker("--startup-grace-ms", "3000", "--hist-time-scale", "0.01",
                       "--stats-per-second", "0")
        c.start_worker(gateway=gateway, client_id=7,
                       ready=r"intentq-worker ready .*intents=\S*historical_bars")
        with intentq.Client(c.frontend) as client:
            client.submit("current_time", deadline_ms=20000)  # the session is up
        yield c
    finally:
        c.stop()


def one_request(client: intentq.Client, contract: dict[str, Any], end: str, duration: str,
                bar_size: str) -> list[dict[str, Any]]:
    reply = client.submit("historical_bars", {**contract, "end": end, "duration": duration,
                                              "bar_size": bar_size}, deadline_ms=30000)
    bars: list[dict[str, Any]] = reply.result["bars"]
    return bars


def requests(client: intentq.Client) -> int:
    """Requests the broker has taken (mmi.stats counts itself)."""
    return int(client.stats()["counters"]["requests"])


def times(bars: list[dict[str, Any]]) -> list[str]:
    return [b["t"] for b in bars]


def test_chunks_put_together_equal_one_request(md: Cluster) -> None:
    with intentq.Client(md.frontend) as client:
        # 30 s bars: IB allows 28800 S (8 h) per request; chunks are cut on multiples of 8 h
        # since the epoch, so 12:00..20:00 UTC is two chunks with a border at 16:00.
        whole = one_request(client, BTC, "2026-12-04T20:00:00Z", "28800 S", "30 secs")
        assert len(whole) == 960, len(whole)
        assert whole[0]["t"] == "2026-12-04T12:00:00Z" and whole[-1]["t"] == "2026-12-04T19:59:30Z"
        before = requests(client)
        rows = client.download_bars(BTC, "2026-12-04T12:00:00Z", "2026-12-04T20:00:00Z",
                                    "30 secs", deadline_ms=30000)
        assert requests(client) == before + 3  # two chunks (and the stats request)
        assert rows == whole
        assert "2026-12-04T16:00:00Z" in times(rows) and "2026-12-04T15:59:30Z" in times(rows)

        # A longer range: 5 chunks of 5 s bars (3600 S each), every bar once, none missing.
        before = requests(client)
        rows = client.download_bars(BTC, "2026-12-04T14:30:00Z", "2026-12-04T19:00:00Z",
                                    "5 secs", deadline_ms=30000)
        assert requests(client) == before + 6  # five chunks
        t = times(rows)
        assert len(t) == 4.5 * 720 and len(set(t)) == len(t) and t == sorted(t), len(t)
        for border in ("15:00:00", "16:00:00", "17:00:00", "18:00:00"):
            assert f"2026-12-04T{border}Z" in t
        ref = one_request(client, BTC, "2026-12-04T16:00:00Z", "3600 S", "5 secs")
        assert [r for r in rows if "2026-12-04T15:00:00Z" <= r["t"] < "2026-12-04T16:00:00Z"] \
            == ref


def test_async_download_writes_csv(md: Cluster, tmp_path: Any) -> None:
    import asyncio

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with intentq.AsyncClient(md.frontend) as client:
            out = io.StringIO()
            rows = await client.download_bars(BTC, "2026-12-04T12:00:00Z", "2026-12-04T20:00:00Z",
                                              "30 secs", in_flight=2, deadline_ms=30000, csv=out)
            lines = list(csv.reader(io.StringIO(out.getvalue())))
            assert lines[0] == list(intentq.history.CSV_HEADER)
            assert len(lines) == 961 and lines[1][0] == "2026-12-04T12:00:00Z", len(lines)
            assert float(lines[1][1]) == rows[0]["o"]
            path = tmp_path / "aapl.csv"
            daily = await client.download_bars(AAPL, "2026-11-23T00:00:00Z",
                                               "2026-12-05T00:00:00Z", "1 day",
                                               deadline_ms=30000, csv=str(path))
            assert path.read_text().count("\n") == len(daily) + 1
            return rows, daily

    rows, daily = asyncio.run(run())
    with intentq.Client(md.frontend) as client:
        assert rows == one_request(client, BTC, "2026-12-04T20:00:00Z", "28800 S", "30 secs")
        # Daily bars go in one request; dated bars of the range only.
        assert [b["t"] for b in daily] == [b["t"] for b in one_request(
            client, AAPL, "2026-12-05T00:00:00Z", "12 D", "1 day")
            if "2026-11-23" <= b["t"] < "2026-12-05"]
        assert daily and daily[-1]["t"] == "2026-12-04", daily[-1:]


@pytest.mark.parametrize("args, kwargs, error, text", [
    ((BTC, "2026-12-04T20:00:00Z", "2026-12-04T12:00:00Z", "30 secs"), {}, ValueError,
     "must be after start"),
    ((BTC, "2026-12-04T12:00:00Z", "2026-12-04T20:00:00Z", "7 secs"), {}, ValueError, "bar_size"),
    ((BTC, "2026-12-04T12:00:00Z", "2026-12-04T20:00:00Z", "30 secs"),
     {"what_to_show": "LAST"}, ValueError, "what_to_show"),
    ((BTC, "2026-12-04 12:00", "2026-12-04T20:00:00Z", "30 secs"), {}, ValueError, "start"),
    ((BTC, 1.5, "2026-12-04T20:00:00Z", "30 secs"), {}, TypeError, "start"),
    (("BTC", 0, 100, "30 secs"), {}, TypeError, "contract"),
    (({**BTC, "duration": "1 D"}, 0, 100, "30 secs"), {}, ValueError, "duration"),
    ((BTC, 0, 100, 30), {}, TypeError, "bar_size"),
    ((BTC, 0, 100, "30 secs"), {"use_rth": "yes"}, TypeError, "use_rth"),
    ((BTC, 0, 100, "30 secs"), {"in_flight": 0}, ValueError, "in_flight"),
    ((BTC, 0, 100, "30 secs"), {"csv": 5}, TypeError, "csv"),
])
def test_bad_input_fails_before_sending(md: Cluster, args: tuple[Any, ...],
                                        kwargs: dict[str, Any], error: type,
                                        text: str) -> None:
    with intentq.Client(md.frontend) as client:
        before = requests(client)
        with pytest.raises(error, match=text):
            client.download_bars(*args, **kwargs)
        assert requests(client) == before + 1  # this stats request only: no historical_bars job


def test_a_chunks_error_is_raised(md: Cluster) -> None:
    """A chunk IB refuses (no market data permission) raises its error, sync and async."""
    nothing = {"con_id": 999001}
    with intentq.Client(md.frontend) as client:
        with pytest.raises(intentq.IntentqError) as sync_error:
            client.download_bars(nothing, "2026-12-04T12:00:00Z", "2026-12-04T20:00:00Z",
                                 "30 secs", deadline_ms=30000)

    async def run() -> None:
        async with intentq.AsyncClient(md.frontend) as client:
            with pytest.raises(intentq.IntentqError) as async_error:
                await client.download_bars(nothing, "2026-12-04T12:00:00Z",
                                           "2026-12-04T20:00:00Z", "30 secs", in_flight=1,
                                           deadline_ms=30000)
            assert async_error.value.code == sync_error.value.code
            # The client is still usable after the rest of the chunks were dropped.
            assert (await client.submit("current_time", deadline_ms=20000)).result

    import asyncio
    asyncio.run(run())
    assert sync_error.value.code.startswith("GATEWAY"), sync_error.value.code
