from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from circuit_lab.sim import Engine, Outcome, build_model

from .helpers import FAILED


def check_conservation(engine: Engine) -> None:
    tl = engine.timeline
    entry = 0
    attempts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s, r, a, o in zip(tl.service, tl.request, tl.attempt, tl.outcome, strict=True):
        assert 0 <= r < engine.requests
        assert o in (0, 1, 2, 3, 4)
        if s == entry:
            attempts[r].append((a, o))
    # every generated request reached the entry edge, and finished exactly once
    assert sorted(attempts) == list(range(engine.requests))
    assert engine.completed == engine.requests and engine.in_flight == 0
    for tries in attempts.values():
        tries.sort()
        assert [a for a, _ in tries] == list(range(len(tries)))  # each attempt once
        # only the last attempt may be final-successful; earlier ones failed / timed out
        assert all(o in FAILED for _, o in tries[:-1])
    assert sum(len(t) for t in attempts.values()) == sum(1 for s in tl.service if s == entry)
    # user outcomes add up
    last_ok = sum(1 for t in attempts.values() if t[-1][1] == Outcome.SUCCESS)
    assert last_ok + engine.failed + engine.fallbacks == engine.requests


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    rate=st.floats(5.0, 400.0),
    retries=st.integers(0, 3),
    backoff=st.sampled_from([0.0, 0.05]),
    error_rate=st.floats(0.0, 0.5),
    breaker=st.booleans(),
    fallback=st.booleans(),
    workers=st.integers(1, 30),
    queue_size=st.integers(0, 20),
)
def test_every_request_once_single_service(
    seed: int,
    rate: float,
    retries: int,
    backoff: float,
    error_rate: float,
    breaker: bool,
    fallback: bool,
    workers: int,
    queue_size: int,
) -> None:
    model = build_model(
        "outage",
        duration=20.0,
        outage_start=5.0,
        outage_duration=5.0,
        rate=rate,
        retries=retries,
        backoff=backoff,
        error_rate=error_rate,
        breaker=breaker,
        fallback=fallback,
        workers=workers,
        queue_size=queue_size,
        outage_mode="hang" if seed % 2 else "error",
    )
    engine = Engine(model, seed)
    engine.run()
    check_conservation(engine)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32), breaker=st.booleans(), retries=st.integers(0, 2))
def test_every_request_once_cascade(seed: int, breaker: bool, retries: int) -> None:
    model = build_model(
        "cascade",
        duration=15.0,
        slow_start=3.0,
        slow_duration=6.0,
        breaker=breaker,
        retries=retries,
        rate=150.0,
    )
    engine = Engine(model, seed)
    engine.run()
    check_conservation(engine)
    tl = engine.timeline
    # every downstream row belongs to a generated request
    assert set(tl.request) <= set(range(engine.requests))
