from __future__ import annotations

import pytest

from circuit_lab.events import State
from circuit_lab.sim import Outcome, Simulation

from .helpers import rows_of


def test_step_advance_and_done() -> None:
    sim = Simulation("steady", seed=1, duration=10.0, rate=20.0)
    assert sim.step() == 1 and sim.stats["completed"] == 1
    assert len(sim.timeline) == 1
    assert sim.step(10) == 10
    assert sim.advance(2.5) == pytest.approx(sim.now)
    t = sim.now
    sim.run_until(t + 1.0)
    assert sim.now == t + 1.0 and sim.timeline.end == sim.now
    sim.run()
    assert sim.done and sim.stats["in_flight"] == 0
    assert sim.step(5) == 0  # nothing left


def test_live_outage_toggle_trips_and_recovers() -> None:
    sim = Simulation("steady", seed=2, duration=80.0, error_rate=0.0, recovery_timeout=5.0)
    sim.advance(10.0)
    sim.set_fault("outage", mode="error")
    sim.advance(10.0)
    assert sim.breakers["service"].state is not State.CLOSED
    sim.clear_fault("outage")
    sim.advance(20.0)
    assert sim.breakers["service"].state is State.CLOSED
    (window,) = sim.timeline.faults
    assert window.kind == "outage" and window.start == 10.0 and window.end == 20.0
    assert sim.timeline.summary().time_to_recover is not None


def test_set_breaker_keeps_state_and_records_settings() -> None:
    sim = Simulation("outage", seed=2, duration=60.0, outage_start=5.0, outage_duration=50.0)
    sim.advance(7.0)
    assert sim.breakers["service"].state is State.OPEN
    old = sim.breakers["service"]
    sim.set_breaker(failure_threshold=2, recovery_timeout=3.0)
    new = sim.breakers["service"]
    assert new is not old and new.state is State.OPEN
    assert new.failure_threshold == 2 and sim.timeline.settings["failure_threshold"] == 2
    sim.advance(3.5)
    assert any(t.new is State.HALF_OPEN and t.time >= 10.0 for t in sim.timeline.transitions)


def test_bad_live_changes_leave_the_run_untouched() -> None:
    sim = Simulation("steady", seed=0, duration=10.0)
    before = sim.breakers["service"]
    with pytest.raises(ValueError, match="failure_threshold"):
        sim.set_breaker(failure_threshold=0)
    with pytest.raises(ValueError, match="unknown breaker setting"):
        sim.set_breaker(treshold=3)
    assert sim.breakers["service"] is before
    with pytest.raises(ValueError, match="fault kind"):
        sim.set_fault("meteor")
    with pytest.raises(ValueError, match="outage must be"):
        sim.set_fault("outage", mode="sometimes")
    with pytest.raises(ValueError, match=r"error_spike|rate"):
        sim.set_fault("error_rate", rate=2.0)
    with pytest.raises(ValueError, match="service must be one of"):
        sim.set_fault("outage", service="nope")
    with pytest.raises(ValueError, match="n must be"):
        sim.step(0)
    with pytest.raises(ValueError, match="seconds"):
        sim.advance(-1.0)


def test_live_error_spike_and_latency() -> None:
    sim = Simulation("steady", seed=5, duration=40.0, error_rate=0.0, breaker=False)
    sim.advance(10.0)
    sim.set_fault("error_rate", rate=1.0)
    sim.advance(10.0)
    sim.clear_fault("error_rate")
    sim.set_fault("latency", factor=100.0)
    sim.advance(10.0)
    rows = rows_of(sim.timeline, "service")
    assert all(r[1] == Outcome.FAILURE for r in rows if 10.1 < r[0] < 19.9)
    assert any(r[1] == Outcome.TIMEOUT for r in rows if r[0] > 20.0)


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="did you mean 'outage'"):
        Simulation("outge")
    with pytest.raises(ValueError, match="did you mean 'failure_threshold'"):
        Simulation("outage", failure_treshold=3)
    with pytest.raises(ValueError, match="rate must be"):
        Simulation("steady", rate=-5.0)
    with pytest.raises(ValueError, match="error_rate must be"):
        Simulation("steady", error_rate=1.5)
    with pytest.raises(ValueError, match="duration must be"):
        Simulation("steady", duration=0.0)
    with pytest.raises(TypeError, match="workers must be an int"):
        Simulation("steady", workers=2.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        Simulation("steady", seed="1")  # type: ignore[arg-type]


def test_set_rate_changes_the_load() -> None:
    sim = Simulation("steady", seed=1, duration=40.0, rate=50.0, arrival="steady")
    sim.advance(10.0)
    before = sim.stats["requests"]
    sim.set_rate(200.0)
    sim.advance(10.0)
    assert sim.stats["requests"] - before == pytest.approx(2000, abs=2)
    with pytest.raises(ValueError, match="rate must be"):
        sim.set_rate(0.0)


@pytest.mark.parametrize("scenario", ["outage", "cascade", "flaky"])
def test_transitions_are_in_time_order(scenario: str) -> None:
    sim = Simulation(scenario, seed=4, duration=90.0)
    for _ in range(30):
        sim.advance(3.0)
    times = [t.time for t in sim.run().transitions]
    assert times and times == sorted(times)


def test_replaced_breakers_no_longer_write_transitions() -> None:
    """Calls in flight when settings change report to the old breaker, silently."""
    sim = Simulation(
        "degradation", seed=3, duration=60.0, slow_start=5.0, slow_factor=30.0, failure_threshold=50
    )
    sim.advance(6.0)  # many slow calls in flight, breaker still CLOSED
    sim.set_breaker(failure_threshold=1000)
    sim.advance(20.0)
    # the old breaker (threshold 50) trips on the late results, but nobody hears of it
    assert all("50 consecutive" not in t.reason for t in sim.timeline.transitions)
    assert all(t.reason == "1000 consecutive failures" for t in sim.timeline.transitions)
