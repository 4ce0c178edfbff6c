"""Observability (issue 2, Behaviour 11 and the listener decisions): listeners and
immutable events, logging on the ``circuit_lab`` logger, the metrics snapshot."""

from __future__ import annotations

import dataclasses
import logging
import random
import threading

import pytest

from circuit_lab import (
    CallFailed,
    CallIgnored,
    CallRejected,
    CallSucceeded,
    CircuitBreaker,
    CircuitBreakerError,
    Event,
    FailureRate,
    ManualClock,
    Metrics,
    State,
    StateChanged,
)


class Boom(Exception):
    pass


def fail() -> None:
    raise Boom("down")


def run_in_thread(fn, timeout: float = 10.0):
    """Run ``fn`` in a daemon thread; fail (not hang) if it does not finish, e.g. on a
    deadlock. Returns what ``fn`` returned or re-raises what it raised."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "deadlock: the call did not return"
    if "error" in box:
        raise box["error"]
    return box.get("value")


# -- listeners and events ---------------------------------------------------------------------


def test_state_changed_event_fields(clock, recorder) -> None:
    breaker = CircuitBreaker(3, 10, name="db", clock=clock, listeners=[recorder])
    clock.set(5.0)
    for _ in range(3):
        with pytest.raises(Boom):
            breaker.call(fail)
    (change,) = recorder.changes
    assert isinstance(change, Event)
    assert (change.breaker, change.old, change.new, change.at) == (
        "db", State.CLOSED, State.OPEN, 5.0
    )
    assert change.reason == "3 consecutive failures"


def test_full_cycle_events(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    with pytest.raises(Boom):
        breaker.call(fail)
    clock.advance(4)
    with pytest.raises(CircuitBreakerError):
        breaker.call(fail)
    clock.advance(6)
    breaker.call(lambda: None)
    kinds = [type(e).__name__ for e in recorder.events]
    assert kinds.count("StateChanged") == 3
    assert recorder.transitions() == [
        ("closed", "open"), ("open", "half_open"), ("half_open", "closed")
    ]
    assert [e.at for e in recorder.changes] == [0.0, 10.0, 10.0]
    assert all(e.reason for e in recorder.changes)
    (rejected,) = recorder.of(CallRejected)
    assert (rejected.state, rejected.retry_after, rejected.at) == (State.OPEN, 6.0, 4.0)
    (failed,) = recorder.of(CallFailed)
    assert isinstance(failed.exception, Boom)
    (succeeded,) = recorder.of(CallSucceeded)
    assert succeeded.state is State.HALF_OPEN
    assert succeeded.at == 10.0


def test_call_events_carry_exception(clock, recorder) -> None:
    breaker = CircuitBreaker(
        5, 10, clock=clock, exclude=[KeyError], listeners=[recorder]
    )
    err = Boom("x")

    def raise_err():
        raise err

    with pytest.raises(Boom):
        breaker.call(raise_err)
    with pytest.raises(KeyError):
        breaker.call({}.__getitem__, 1)
    with pytest.raises(SystemExit):
        breaker.call(_raise_system_exit)
    breaker.call(lambda: 1)
    failed = recorder.of(CallFailed)
    ignored = recorder.of(CallIgnored)
    assert [e.exception for e in failed] == [err]
    assert [type(e.exception) for e in ignored] == [KeyError, SystemExit]
    assert len(recorder.of(CallSucceeded)) == 1
    assert all(e.state is State.CLOSED for e in recorder.events)


def _raise_system_exit():
    raise SystemExit(2)


def test_failure_by_result_and_by_slowness_have_reasons(clock, recorder) -> None:
    breaker = CircuitBreaker(
        5, 10, clock=clock, failure_on_result=lambda r: r == 503, slow_call_duration=1,
        listeners=[recorder],
    )
    breaker.call(lambda: 503)

    def slow():
        clock.advance(2)
        return 200

    breaker.call(slow)
    by_result, by_time = recorder.of(CallFailed)
    assert by_result.exception is None and by_result.reason
    assert by_time.exception is None and "slow" in by_time.reason


def test_rejected_half_open_event(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 0, clock=clock, listeners=[recorder])
    breaker.half_open()
    breaker.acquire()
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()
    (event,) = recorder.of(CallRejected)
    assert (event.state, event.retry_after) == (State.HALF_OPEN, 0.0)


def test_events_are_immutable(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    with pytest.raises(Boom):
        breaker.call(fail)
    assert recorder.events
    for event in recorder.events:
        assert dataclasses.is_dataclass(event)
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.at = 99.0  # type: ignore[misc]
    assert hash(recorder.changes[0]) == hash(recorder.changes[0])


def test_listeners_run_in_order(clock) -> None:
    order = []
    first = lambda e: order.append(("first", type(e).__name__))  # noqa: E731
    second = lambda e: order.append(("second", type(e).__name__))  # noqa: E731
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[first])
    breaker.add_listener(second)
    with pytest.raises(Boom):
        breaker.call(fail)
    names = [n for n, _ in order]
    assert names == ["first", "second"] * (len(order) // 2)
    assert order[0::2] == [("first", k) for _, k in order[1::2]]


def test_add_and_remove_listener(clock, recorder) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock)
    breaker.call(lambda: 1)
    breaker.add_listener(recorder)
    breaker.call(lambda: 1)
    breaker.remove_listener(recorder)
    breaker.call(lambda: 1)
    assert len(recorder.events) == 1
    assert breaker.metrics.successes == 3
    with pytest.raises(ValueError):
        breaker.remove_listener(recorder)
    with pytest.raises(TypeError):
        breaker.add_listener("not callable")  # type: ignore[arg-type]


def test_same_listener_added_twice_hears_twice(clock) -> None:
    heard = []
    breaker = CircuitBreaker(clock=clock)
    breaker.add_listener(heard.append)
    breaker.add_listener(heard.append)
    breaker.call(lambda: 1)
    assert len(heard) == 2


def test_listener_sees_state_change_complete(clock) -> None:
    seen = []
    breaker = CircuitBreaker(1, 10, clock=clock)

    def listener(event):
        if isinstance(event, StateChanged):
            seen.append((event.new, breaker.state, breaker.metrics.state))

    breaker.add_listener(listener)
    with pytest.raises(Boom):
        breaker.call(fail)
    assert seen == [(State.OPEN, State.OPEN, State.OPEN)]


def test_listener_can_use_the_breaker_without_deadlock(clock) -> None:
    """Listeners run outside the lock: reading state/metrics or even making calls
    through the same breaker from a listener must not deadlock."""
    breaker = CircuitBreaker(2, 10, clock=clock)
    inner = []

    def listener(event):
        inner.append((breaker.state, breaker.metrics.calls, breaker.retry_after))
        if isinstance(event, StateChanged) and event.new is State.OPEN:
            with pytest.raises(CircuitBreakerError):
                breaker.call(lambda: None)
            breaker.add_listener(lambda e: None)

    breaker.add_listener(listener)

    def scenario():
        breaker.call(lambda: 1)
        for _ in range(2):
            with pytest.raises(Boom):
                breaker.call(fail)
        clock.advance(10)
        breaker.call(lambda: 1)
        return breaker.metrics

    metrics = run_in_thread(scenario)
    assert metrics.state is State.CLOSED
    assert inner


def test_listeners_run_in_the_calling_thread(clock) -> None:
    threads = []
    breaker = CircuitBreaker(clock=clock, listeners=[lambda e: threads.append(
        threading.get_ident())])
    breaker.call(lambda: 1)
    ident = run_in_thread(lambda: (breaker.call(lambda: 1), threading.get_ident())[1])
    assert threads == [threading.get_ident(), ident]


def test_raising_listener_is_logged_and_does_not_break_caller(clock, caplog) -> None:
    heard = []

    def bad(event):
        raise RuntimeError("listener bug")

    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[bad, heard.append])
    with caplog.at_level(logging.DEBUG, logger="circuit_lab"):
        assert breaker.call(lambda: "value") == "value"
        with pytest.raises(Boom):  # the caller still gets its own exception
            breaker.call(fail)
        with pytest.raises(CircuitBreakerError):
            breaker.call(lambda: "value")
    assert breaker.state is State.OPEN
    # the next listener still ran for every event
    assert [type(e) for e in heard] == [CallSucceeded, CallFailed, StateChanged, CallRejected]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 4
    for record in errors:
        assert record.name == "circuit_lab"
        assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    m = breaker.metrics
    assert (m.successes, m.failures, m.rejected) == (1, 1, 1)


def test_raising_listener_during_lazy_transition(clock, caplog) -> None:
    def bad(event):
        raise ValueError("oops")

    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[bad])
    with caplog.at_level(logging.ERROR, logger="circuit_lab"), pytest.raises(Boom):
        breaker.call(fail)
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    assert breaker.call(lambda: 1) == 1
    assert breaker.state is State.CLOSED


def test_no_event_for_stale_result(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    stale = breaker.acquire()
    with pytest.raises(Boom):
        breaker.call(fail)
    recorder.clear()
    stale.failure(Boom())
    assert recorder.events == []


# -- logging ----------------------------------------------------------------------------------


def test_transitions_are_logged(clock, caplog) -> None:
    breaker = CircuitBreaker(2, 10, name="inventory", clock=clock)
    with caplog.at_level(logging.INFO, logger="circuit_lab"):
        for _ in range(2):
            with pytest.raises(Boom):
                breaker.call(fail)
        clock.advance(10)
        breaker.call(lambda: 1)
    records = [r for r in caplog.records if r.name == "circuit_lab"]
    assert len(records) == 3
    trip, half, close = (r.getMessage() for r in records)
    assert "inventory" in trip and "open" in trip and "2 consecutive failures" in trip
    assert records[0].levelno >= logging.WARNING
    assert "half_open" in half
    assert "closed" in close


def test_calls_are_not_logged(clock, caplog) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock)
    with caplog.at_level(logging.DEBUG, logger="circuit_lab"):
        breaker.call(lambda: 1)
        with pytest.raises(Boom):
            breaker.call(fail)
    assert caplog.records == []


# -- metrics ----------------------------------------------------------------------------------


def test_metrics_fields(clock) -> None:
    breaker = CircuitBreaker(
        3, 10, clock=clock, policy=FailureRate(0.9, window=10, minimum_calls=10)
    )
    m = breaker.metrics
    assert isinstance(m, Metrics)
    assert m == Metrics(
        calls=0, successes=0, failures=0, ignored=0, rejected=0,
        state=State.CLOSED, consecutive_failures=0, failure_rate=0.0,
    )
    breaker.call(lambda: 1)
    for _ in range(3):
        with pytest.raises(Boom):
            breaker.call(fail)
    m = breaker.metrics
    assert (m.calls, m.successes, m.failures, m.consecutive_failures) == (4, 1, 3, 3)
    assert m.failure_rate == 0.75


def test_metrics_failure_rate_none_without_window(clock) -> None:
    assert CircuitBreaker(clock=clock).metrics.failure_rate is None


def test_metrics_consecutive_failures_reset_by_success(clock) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock)
    for _ in range(2):
        with pytest.raises(Boom):
            breaker.call(fail)
    assert breaker.metrics.consecutive_failures == 2
    breaker.call(lambda: 1)
    assert breaker.metrics.consecutive_failures == 0


def test_metrics_invariant_through_a_long_mixed_run() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(
        2, 1, clock=clock, exclude=[KeyError], half_open_max_calls=2, success_threshold=2
    )
    seen = {"success": 0, "failure": 0, "ignored": 0, "rejected": 0}
    rng = random.Random(2)
    for i in range(500):
        kind = rng.choice([0, 0, 0, 1, 2])
        try:
            if kind == 0:
                breaker.call(fail)
            elif kind == 1:
                breaker.call({}.__getitem__, i)
            else:
                breaker.call(lambda: None)
            seen["success"] += 1
        except Boom:
            seen["failure"] += 1
        except KeyError:
            seen["ignored"] += 1
        except CircuitBreakerError:
            seen["rejected"] += 1
        if i % 3 == 0:
            clock.advance(0.5)
        m = breaker.metrics
        assert m.calls == m.successes + m.failures + m.ignored + m.rejected == i + 1
    m = breaker.metrics
    assert (m.successes, m.failures, m.ignored, m.rejected) == (
        seen["success"], seen["failure"], seen["ignored"], seen["rejected"]
    )
    assert m.rejected > 0 and m.failures > 0
