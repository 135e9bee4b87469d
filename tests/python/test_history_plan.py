"""intentq.history: the plan of download_bars without a broker (how a range is cut, the checks),
and its tables against the broker's and worker's in common/market_data_params.cpp."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

import intentq
from intentq import history

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def source(path: str) -> str:
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def test_tables_are_the_cpp_tables() -> None:
    cpp = source("common/market_data_params.cpp")
    sizes = re.findall(r'\{"([^"]+)", ([0-9* a-zA-Z]+), (\d+)\}', cpp[cpp.index("kBarSizes"):])
    day = 86400
    table = {name: (eval(seconds, {"kDay": day}), int(longest))  # noqa: S307 - the C++ table
             for name, seconds, longest in sizes}
    assert table == history.BAR_SIZES
    aliases = dict(re.findall(r'\{"([^"]+)", "([^"]+)"\}',
                              cpp[cpp.index("kBarSizeAliases"):cpp.index("kWhatToShow")]))
    assert aliases == history.BAR_SIZE_ALIASES
    what = re.findall(r'"([A-Z_]+)"', cpp[cpp.index("kWhatToShow"):cpp.index("struct Unit")])
    assert tuple(what) == history.WHAT_TO_SHOW
    hpp = source("common/market_data_params.hpp")
    cap = re.search(r"kMaxBarsPerRequest = (\d+);", hpp)
    assert cap and int(cap.group(1)) == history.MAX_BARS_PER_REQUEST


def cut(start: str, end: str, bar: str) -> list[tuple[str, str, str]]:
    return [(c.params["end"], c.params["duration"], history.iso_utc(c.start))
            for c in history.plan({"con_id": 1}, start, end, bar, "TRADES", False, None, 4)]


def test_small_bars_are_cut_on_multiples_of_the_step() -> None:
    # 30 secs: 8 h steps from the epoch (00, 08, 16 UTC); the range narrowed to whole bars.
    assert cut("2026-12-04T05:00:10Z", "2026-12-04T20:00:45Z", "30 secs") == [
        ("2026-12-04T08:00:00Z", "10770 S", "2026-12-04T05:00:30Z"),
        ("2026-12-04T16:00:00Z", "28800 S", "2026-12-04T08:00:00Z"),
        ("2026-12-04T20:00:30Z", "14430 S", "2026-12-04T16:00:00Z")]
    # 1 min: 7 day steps (within 100,000 bars), durations in whole days past one day.
    chunks = cut("2026-11-01T00:00:00Z", "2026-12-05T00:00:00Z", "1 min")
    assert len(chunks) == 6 and all(d.endswith(" D") and int(d[:-2]) <= 7 for _, d, _ in chunks)
    # Every chunk ends where the next starts.
    plan = history.plan({"con_id": 1}, 0, 10 * 86400, "1 secs", "TRADES", False, None, 4)
    assert len(plan) == 480 and all(a.end == b.start for a, b in zip(plan, plan[1:]))
    assert all(history.duration_for(c.end - c.start) == c.params["duration"] for c in plan)
    # A range holding no whole bar: nothing to ask.
    assert cut("2026-12-04T05:00:10Z", "2026-12-04T05:00:20Z", "30 secs") == []


def test_large_bars_go_in_one_request() -> None:
    assert cut("2026-01-01T00:00:00Z", "2026-12-05T00:00:00Z", "1 day") == [
        ("2026-12-05T00:00:00Z", "338 D", "2026-01-01T00:00:00Z")]
    assert cut("2026-12-01T00:00:00Z", "2026-12-05T00:00:00Z", "1 week") == [
        ("2026-12-05T00:00:00Z", "4 D", "2026-12-01T00:00:00Z")]  # the alias mapped to 1W
    with pytest.raises(ValueError, match="50 Y"):
        cut("1970-01-01T00:00:00Z", "2026-12-05T00:00:00Z", "1 day")


def test_times() -> None:
    aware = dt.datetime(2026, 12, 4, 16, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert history.epoch_of(aware, "start") == history.epoch_of("2026-12-04T15:00:00Z", "start")
    with pytest.raises(ValueError, match="aware"):
        history.epoch_of(dt.datetime(2026, 12, 4), "start")
    with pytest.raises(TypeError, match="end"):
        history.epoch_of(True, "end")
    assert history.bar_epoch("2026-12-04") == history.epoch_of("2026-12-04T00:00:00Z", "t")
    assert history.bar_epoch("04.12.2026") is None


def test_merge_keeps_each_bar_once_in_order() -> None:
    a, b = history.plan({"con_id": 1}, "2026-12-04T07:59:00Z", "2026-12-04T08:01:00Z", "30 secs",
                        "TRADES", False, None, 4)
    rows: list[dict[str, object]] = []
    # The first answer reaches back before its chunk; the second repeats the border bar.
    history.keep(a, {"bars": [{"t": "2026-12-04T07:58:30Z"}, {"t": "2026-12-04T07:59:00Z"},
                              {"t": "2026-12-04T07:59:30Z"}]}, rows)
    history.keep(b, {"bars": [{"t": "2026-12-04T07:59:30Z"}, {"t": "2026-12-04T08:00:00Z"},
                              {"t": "2026-12-04T08:00:00Z"}, {"t": "2026-12-04T08:00:30Z"}]},
                 rows)
    assert [r["t"] for r in rows] == ["2026-12-04T07:59:00Z", "2026-12-04T07:59:30Z",
                                      "2026-12-04T08:00:00Z", "2026-12-04T08:00:30Z"]
    with pytest.raises(intentq.ProtocolError, match="without a time"):
        history.keep(b, {"bars": [{"o": 1}]}, rows)
    with pytest.raises(intentq.ProtocolError, match="out of time order"):
        history.keep(b, {"bars": [{"t": "2026-12-04T08:00:00Z"}]}, rows)
