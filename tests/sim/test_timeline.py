from __future__ import annotations

import builtins
import io
import math
from array import array
from typing import Any

import pytest

from circuit_lab.events import State
from circuit_lab.sim.timeline import (
    CODE_STATES,
    STATE_CODES,
    Outcome,
    Timeline,
    percentile,
)


def make() -> Timeline:
    tl = Timeline(["a", "b"])
    tl.record(0.0, 0, Outcome.SUCCESS, 0.1)
    tl.record(1.0, 0, Outcome.FAILURE, 0.2)
    tl.record(2.0, 0, Outcome.REJECTED, 0.0, STATE_CODES[State.OPEN])
    tl.record(3.0, 1, Outcome.TIMEOUT, 1.0)
    tl.add_transition(1.5, "a", State.CLOSED, State.OPEN, "1 consecutive failures")
    tl.add_transition(4.0, "a", State.OPEN, State.HALF_OPEN, "open period elapsed")
    tl.add_transition(4.5, "a", State.HALF_OPEN, State.CLOSED, "trial succeeded")
    i = tl.open_fault(1.0, "outage", "a", "outage (error)")
    tl.close_fault(i, 4.2)
    tl.end = 10.0
    return tl


def test_contract_columns_and_codes() -> None:
    tl = make()
    assert [o.value for o in Outcome] == [0, 1, 2, 3, 4]
    assert STATE_CODES == {State.CLOSED: 0, State.OPEN: 1, State.HALF_OPEN: 2}
    assert CODE_STATES == (State.CLOSED, State.OPEN, State.HALF_OPEN)
    for name, code in [
        ("time", "d"),
        ("service", "H"),
        ("outcome", "B"),
        ("latency", "d"),
        ("state", "B"),
    ]:
        col = getattr(tl, name)
        assert isinstance(col, array) and col.typecode == code and len(col) == len(tl) == 4


def test_state_spans_cover_the_run() -> None:
    tl = make()
    spans = tl.state_spans("a")
    assert spans == [
        (0.0, 1.5, State.CLOSED),
        (1.5, 4.0, State.OPEN),
        (4.0, 4.5, State.HALF_OPEN),
        (4.5, 10.0, State.CLOSED),
    ]
    assert tl.state_spans("b") == [(0.0, 10.0, State.CLOSED)]
    assert tl.state_spans(0) == spans


def test_summary() -> None:
    s = make().summary("a")
    assert (s.attempts, s.successes, s.failures, s.rejected, s.timeouts) == (3, 1, 1, 1, 0)
    assert s.success_rate == pytest.approx(1 / 3)
    assert s.p50_latency == 0.1 and s.p99_latency == 0.2  # rejected excluded
    assert s.trips == 1
    assert s.time_in_state[State.OPEN] == pytest.approx(2.5)
    assert sum(s.time_in_state.values()) == pytest.approx(10.0)
    assert s.time_to_detect == pytest.approx(0.5)
    assert s.time_to_recover == pytest.approx(0.3)
    assert make().summary().service == "a"
    assert math.isnan(Timeline(["x"]).summary().success_rate)
    assert make().summary("b").as_dict()["time_to_detect"] is None


def test_bad_service_names() -> None:
    tl = make()
    with pytest.raises(ValueError, match="service must be one of"):
        tl.summary("c")
    with pytest.raises(ValueError, match="service index"):
        tl.state_spans(5)
    with pytest.raises(ValueError, match="at least one"):
        Timeline([])
    with pytest.raises(ValueError, match="distinct"):
        Timeline(["a", "a"])
    with pytest.raises(ValueError, match="kind must be one of"):
        tl.open_fault(0.0, "meteor", "a")


def test_percentile_nearest_rank() -> None:
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="q must be"):
        percentile(values, 101)


def test_csv_is_deterministic_text() -> None:
    tl = make()
    buf = io.StringIO()
    tl.to_csv(buf)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "time,service,outcome,latency,state,request,attempt,degraded"
    assert lines[3] == "2.000000,a,rejected,0.000000,open,0,0,0"
    assert buf.getvalue() == tl.csv_text()


def test_csv_to_path(tmp_path: Any) -> None:
    path = tmp_path / "t.csv"
    make().to_csv(path)
    assert path.read_text().count("\n") == 5


def test_to_dataframe_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install pandas"):
        make().to_dataframe()


def test_to_dataframe_with_pandas() -> None:
    pd = pytest.importorskip("pandas")
    df = make().to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(Timeline.CSV_HEADER)
    assert list(df["outcome"].astype(str)) == ["success", "failure", "rejected", "timeout"]
