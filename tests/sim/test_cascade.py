from __future__ import annotations

import pytest

from circuit_lab.sim import Outcome, cascade_comparison, run_scenario

from .helpers import rows_of

CASCADE = {"duration": 90.0, "slow_start": 20.0, "slow_duration": 40.0}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_breakers_beat_no_breakers_at_the_frontend(seed: int) -> None:
    runs = cascade_comparison(seed, **CASCADE)
    with_b = runs["with breakers"].summary("frontend")
    without = runs["without breakers"].summary("frontend")
    assert with_b.success_rate > without.success_rate
    assert with_b.p99_latency < without.p99_latency
    assert runs["with breakers"].summary("payments").trips >= 1


def test_failure_spreads_up_the_chain_without_breakers() -> None:
    tl = run_scenario("cascade", seed=3, breaker=False, **CASCADE)
    # before the degradation the frontend is healthy
    front = rows_of(tl, "frontend")
    before = [r for r in front if r[0] < 19.0]
    during = [r for r in front if 30.0 <= r[0] < 58.0]
    assert all(r[1] == Outcome.SUCCESS for r in before)
    # only payments was made slow, yet users of the frontend time out or are refused
    bad = sum(r[1] in (Outcome.TIMEOUT, Outcome.FAILURE) for r in during)
    assert bad > 0.2 * len(during)
    # the upstream hops' workers are busy waiting: orders calls time out too
    orders = rows_of(tl, "orders")
    assert sum(r[1] == Outcome.TIMEOUT for r in orders if 30.0 <= r[0] < 58.0) > 0


def test_breakers_fail_fast_and_serve_fallbacks() -> None:
    tl = run_scenario("cascade", seed=3, breaker=True, **CASCADE)
    s = tl.summary("frontend")
    assert s.degraded > 0  # answered with a fallback for payments
    assert tl.summary("payments").rejected > 0
    front = rows_of(tl, "frontend")
    assert sum(r[1] == Outcome.TIMEOUT for r in front) == 0


def test_cascade_chain_has_three_hops() -> None:
    tl = run_scenario("cascade", seed=0, duration=5.0)
    assert tl.services == ("frontend", "orders", "payments")
