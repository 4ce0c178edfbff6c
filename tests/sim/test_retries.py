from __future__ import annotations

import pytest

from circuit_lab.sim import Outcome, Simulation, run_scenario

from .helpers import rows_of

OUTAGE = {
    "duration": 60.0,
    "outage_start": 20.0,
    "outage_duration": 20.0,
    "error_rate": 0.0,
    "rate": 50.0,
}


def load_during_outage(**params: object) -> int:
    tl = run_scenario("outage", seed=9, **OUTAGE, **params)  # type: ignore[arg-type]
    return sum(
        1 for r in rows_of(tl, "service") if 21.0 <= r[0] < 39.0 and r[1] != Outcome.REJECTED
    )


@pytest.mark.parametrize("retries", [1, 2, 3])
def test_retries_without_breaker_multiply_load(retries: int) -> None:
    base = load_during_outage(breaker=False, retries=0)
    storm = load_during_outage(breaker=False, retries=retries)
    assert storm == pytest.approx(base * (retries + 1), rel=0.05)


def test_backoff_spreads_retries_but_not_the_total() -> None:
    immediate = load_during_outage(breaker=False, retries=3, backoff=0.0)
    backed = load_during_outage(breaker=False, retries=3, backoff=0.2)
    assert backed == pytest.approx(immediate, rel=0.1)


def test_breaker_stops_the_retry_storm() -> None:
    storm = load_during_outage(breaker=False, retries=3)
    guarded = load_during_outage(breaker=True, retries=3)
    assert guarded < storm / 10


def test_retry_rows_are_attempts_of_the_same_request() -> None:
    sim = Simulation("outage", seed=1, breaker=False, retries=2, **OUTAGE)
    tl = sim.run()
    rows = [r for r in rows_of(tl, "service") if 25.0 < r[0] < 35.0]
    by_request: dict[int, list[int]] = {}
    for r in rows:
        by_request.setdefault(r[3], []).append(r[4])
    assert any(sorted(a) == [0, 1, 2] for a in by_request.values())
