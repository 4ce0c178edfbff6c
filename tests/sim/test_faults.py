from __future__ import annotations

import itertools

import pytest

from circuit_lab.events import State
from circuit_lab.sim import Outcome, run_scenario

from .helpers import first, rows_of

OUTAGE = {
    "duration": 100.0,
    "outage_start": 30.0,
    "outage_duration": 25.0,
    "recovery_timeout": 10.0,
}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("threshold", [1, 3, 5, 10])
@pytest.mark.parametrize("mode", ["error", "hang"])
def test_outage_trips_half_opens_and_closes(seed: int, threshold: int, mode: str) -> None:
    tl = run_scenario("outage", seed=seed, failure_threshold=threshold, outage_mode=mode, **OUTAGE)
    start, end = 30.0, 55.0
    opened = first(tl, "service", State.OPEN, start)
    assert opened is not None
    # opened within failure_threshold failed calls of the outage start
    failed = [
        r
        for r in rows_of(tl, "service")
        if r[1] in (Outcome.FAILURE, Outcome.TIMEOUT) and start <= r[0] + r[2] <= opened
    ]
    assert 1 <= len(failed) <= threshold
    # OPEN -> HALF_OPEN exactly recovery_timeout after each trip
    trs = [t for t in tl.transitions if t.service == "service"]
    for a, b in itertools.pairwise(trs):
        if a.new is State.OPEN:
            assert b.new is State.HALF_OPEN and b.time == pytest.approx(a.time + 10.0)
    # no trial succeeds during the outage; it closes once the outage is over
    closed = first(tl, "service", State.CLOSED, start)
    assert closed is not None and end <= closed <= end + 10.0 + 1.0 + 0.1
    s = tl.summary()
    assert s.time_to_detect == pytest.approx(opened - start)
    assert s.time_to_recover == pytest.approx(closed - end)
    # while OPEN, calls are rejected instead of reaching the service
    assert s.rejected > 0


def test_hang_outage_means_timeouts_and_error_outage_fast_failures() -> None:
    hang = rows_of(
        run_scenario("outage", seed=1, outage_mode="hang", breaker=False, **OUTAGE), "service"
    )
    err = rows_of(
        run_scenario("outage", seed=1, outage_mode="error", breaker=False, **OUTAGE), "service"
    )
    during = [r for r in hang if 31.0 <= r[0] < 54.0]
    assert during and all(r[1] == Outcome.TIMEOUT and r[2] == pytest.approx(1.0) for r in during)
    during = [r for r in err if 31.0 <= r[0] < 54.0]
    assert during and all(r[1] == Outcome.FAILURE and r[2] < 0.01 for r in during)


def test_no_breaker_never_rejects_and_records_closed() -> None:
    tl = run_scenario("outage", seed=3, breaker=False, **OUTAGE)
    assert tl.summary().rejected == 0 and not tl.transitions
    assert set(tl.state) == {0}


def test_flaky_error_spikes_fail_inside_windows_only() -> None:
    tl = run_scenario(
        "flaky",
        seed=4,
        duration=60.0,
        error_rate=0.0,
        breaker=False,
        flaky_every=20.0,
        flaky_length=5.0,
        flaky_rate=0.6,
    )
    windows = [(f.start, f.end) for f in tl.faults]
    assert windows == [(15.0, 20.0), (35.0, 40.0), (55.0, 60.0)]
    rows = rows_of(tl, "service")
    inside = [r for r in rows if any(a <= r[0] and r[0] + r[2] < b for a, b in windows)]
    outside = [r for r in rows if not any(a - 1.0 <= r[0] <= b for a, b in windows)]
    rate_in = sum(r[1] == Outcome.FAILURE for r in inside) / len(inside)
    assert 0.5 < rate_in < 0.7
    assert not any(r[1] == Outcome.FAILURE for r in outside)


def test_degradation_slows_then_times_out_then_recovers() -> None:
    tl = run_scenario(
        "degradation",
        seed=2,
        duration=100.0,
        slow_start=30.0,
        slow_duration=30.0,
        slow_factor=30.0,
        breaker=False,
    )
    rows = rows_of(tl, "service")
    before = [r for r in rows if r[0] < 29.0]
    during = [r for r in rows if 35.0 <= r[0] < 58.0]
    after = [r for r in rows if r[0] > 85.0]
    assert all(r[1] != Outcome.TIMEOUT for r in before)
    # the queue fills: requests time out waiting or are refused at once (overloaded)
    assert sum(r[1] == Outcome.TIMEOUT for r in during) > 0.05 * len(during)
    assert sum(r[1] != Outcome.SUCCESS for r in during) > 0.8 * len(during)
    assert sum(r[1] == Outcome.SUCCESS for r in after) > 0.95 * len(after)


def test_peak_traffic_raises_the_load_by_the_factor() -> None:
    tl = run_scenario(
        "peak_traffic",
        seed=1,
        duration=100.0,
        rate=50.0,
        peak_start=30.0,
        peak_factor=4.0,
        peak_ramp=10.0,
        peak_hold=30.0,
        breaker=False,
    )
    first_tries = [t for t, a in zip(tl.time, tl.attempt, strict=True) if a == 0]
    base = sum(1 for t in first_tries if t < 30.0) / 30.0
    hold = sum(1 for t in first_tries if 40.0 <= t < 70.0) / 30.0
    assert base == pytest.approx(50.0, rel=0.15)
    assert hold == pytest.approx(200.0, rel=0.1)
    assert [(f.kind, f.start, f.end) for f in tl.faults] == [("peak", 30.0, 80.0)]


def test_bursts_add_simultaneous_arrivals() -> None:
    tl = run_scenario(
        "steady",
        seed=1,
        duration=30.0,
        rate=10.0,
        arrival="steady",
        burst_every=10.0,
        burst_size=25,
        breaker=False,
        workers=100,
    )
    times = [round(t, 9) for t in tl.time]
    assert times.count(10.0) == 25 + 1  # the burst plus the steady arrival at 10 s
    assert len(tl) == 299 + 2 * 25  # steady arrivals at 0.1 .. 29.9 s plus two bursts
