"""The state machine's rules (issue 2, Behaviour 1-8 and 10), one test per rule.

Every test runs on a ManualClock: nothing sleeps and every time is exact.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from circuit_lab import (
    CircuitBreaker,
    CircuitBreakerError,
    ConsecutiveFailures,
    FailureRate,
    ManualClock,
    State,
)


class Boom(Exception):
    """The guarded dependency's failure."""


class Excluded(Exception):
    """An exception the breaker is told to exclude."""


def fail() -> None:
    raise Boom("service down")


def ok() -> str:
    return "ok"


def trip(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Boom):
            breaker.call(fail)


def totals_consistent(breaker: CircuitBreaker) -> bool:
    m = breaker.metrics
    return m.calls == m.successes + m.failures + m.ignored + m.rejected


# -- Behaviour 1: states and the lazy OPEN -> HALF_OPEN change ------------------------------


def test_state_enum_values() -> None:
    assert [s.value for s in State] == ["closed", "open", "half_open"]
    assert State("half_open") is State.HALF_OPEN
    assert CircuitBreaker(clock=ManualClock()).state is State.CLOSED


def test_open_reads_half_open_exactly_when_recovery_timeout_elapsed(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    trip(breaker)
    clock.advance(9.75)
    assert breaker.state is State.OPEN
    clock.advance(0.25)  # exactly 10 s after the trip
    assert breaker.state is State.HALF_OPEN
    assert recorder.transitions() == [("closed", "open"), ("open", "half_open")]


def test_lazy_transition_reported_once_and_stamped_with_due_time(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    clock.set(100.0)
    trip(breaker)
    clock.advance(37.5)  # nobody looks until 27.5 s after it became due
    assert breaker.state is State.HALF_OPEN
    assert breaker.state is State.HALF_OPEN
    _ = breaker.metrics
    half = [c for c in recorder.changes if c.new is State.HALF_OPEN]
    assert len(half) == 1
    assert half[0].at == 110.0
    assert half[0].old is State.OPEN


def test_lazy_transition_through_acquire_is_stamped_with_due_time(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 4, clock=clock, listeners=[recorder])
    trip(breaker)
    clock.advance(6.5)
    assert breaker.call(ok) == "ok"
    assert [(c.new, c.at) for c in recorder.changes] == [
        (State.OPEN, 0.0),
        (State.HALF_OPEN, 4.0),
        (State.CLOSED, 6.5),
    ]


def test_no_background_thread() -> None:
    before = threading.active_count()
    breaker = CircuitBreaker(1, 0.0, clock=ManualClock())
    trip(breaker)
    assert threading.active_count() == before


# -- Behaviour 2: clocks ---------------------------------------------------------------------


def test_manual_clock() -> None:
    clock = ManualClock(start=5.0)
    assert clock() == 5.0
    assert clock.advance(2.5) == 7.5
    assert clock() == 7.5
    assert clock.set(10.0) == 10.0
    with pytest.raises(ValueError):
        clock.set(9.0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert ManualClock()() == 0.0


def test_any_zero_argument_callable_is_a_clock() -> None:
    now = [0.0]
    breaker = CircuitBreaker(1, 3, clock=lambda: now[0])
    trip(breaker)
    now[0] = 1.0
    with pytest.raises(CircuitBreakerError) as info:
        breaker.call(ok)
    assert info.value.retry_after == 2.0
    now[0] = 3.0
    assert breaker.state is State.HALF_OPEN


# -- Behaviour 3: CLOSED ---------------------------------------------------------------------


def test_tripping_call_raises_its_own_exception_later_calls_are_not_made(clock) -> None:
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=10, clock=clock)
    calls = []

    def service() -> None:
        calls.append(1)
        raise Boom("down")

    for _ in range(3):
        with pytest.raises(Boom):
            breaker.call(service)
    assert breaker.state is State.OPEN
    assert len(calls) == 3
    for _ in range(5):
        with pytest.raises(CircuitBreakerError):
            breaker.call(service)
    assert len(calls) == 3


def test_failures_below_threshold_keep_it_closed(clock) -> None:
    breaker = CircuitBreaker(3, 10, clock=clock)
    trip(breaker, 2)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.consecutive_failures == 2


def test_success_resets_consecutive_count(clock) -> None:
    breaker = CircuitBreaker(3, 10, clock=clock)
    for _ in range(4):
        trip(breaker, 2)
        assert breaker.call(ok) == "ok"
        assert breaker.metrics.consecutive_failures == 0
    assert breaker.state is State.CLOSED
    trip(breaker, 3)
    assert breaker.state is State.OPEN


def test_paper_example(clock) -> None:
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=10, clock=clock)

    @breaker
    def call_external_service():
        raise Exception("Service down")

    for _ in range(3):
        with pytest.raises(Exception, match="Service down"):
            call_external_service()
    with pytest.raises(CircuitBreakerError):
        call_external_service()


# -- Behaviour 4: OPEN -----------------------------------------------------------------------


def test_rejection_carries_name_state_and_exact_retry_after(clock) -> None:
    breaker = CircuitBreaker(1, 10, name="payments", clock=clock)
    clock.set(1000.0)
    trip(breaker)
    clock.advance(3.25)
    with pytest.raises(CircuitBreakerError) as info:
        breaker.call(ok)
    err = info.value
    assert err.name == "payments"
    assert err.state is State.OPEN
    assert err.retry_after == 6.75
    assert breaker.retry_after == 6.75
    assert "payments" in str(err)
    assert "6.75" in str(err)


def test_retry_after_counts_down_to_zero(clock) -> None:
    breaker = CircuitBreaker(1, 2, clock=clock)
    trip(breaker)
    seen = []
    for _ in range(3):
        try:
            breaker.call(ok)
        except CircuitBreakerError as err:
            seen.append(err.retry_after)
        clock.advance(0.5)
    assert seen == [2.0, 1.5, 1.0]
    clock.advance(0.5)
    assert breaker.retry_after == 0.0
    assert breaker.state is State.HALF_OPEN


def test_retry_after_is_zero_when_closed(clock) -> None:
    assert CircuitBreaker(clock=clock).retry_after == 0.0


def test_recovery_timeout_zero_is_half_open_at_once(clock) -> None:
    breaker = CircuitBreaker(1, 0, clock=clock)
    trip(breaker)
    assert breaker.state is State.HALF_OPEN
    assert breaker.call(ok) == "ok"
    assert breaker.state is State.CLOSED


# -- Behaviour 5: HALF_OPEN ------------------------------------------------------------------


def half_open_breaker(clock: ManualClock, **kw) -> CircuitBreaker:
    breaker = CircuitBreaker(1, 10, clock=clock, **kw)
    trip(breaker)
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    return breaker


def test_half_open_admits_exactly_max_calls_and_rejects_rest_with_zero_retry(clock) -> None:
    breaker = half_open_breaker(clock, half_open_max_calls=3, success_threshold=3)
    permits = [breaker.acquire() for _ in range(3)]
    for _ in range(4):
        with pytest.raises(CircuitBreakerError) as info:
            breaker.acquire()
        assert info.value.state is State.HALF_OPEN
        assert info.value.retry_after == 0.0
    assert breaker.metrics.rejected == 4
    assert "half-open" in str(info.value)
    # Finishing one trial frees one slot, and only one.
    permits[0].ignore()
    permits.append(breaker.acquire())
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()


def test_success_threshold_trials_close_it(clock) -> None:
    breaker = half_open_breaker(clock, half_open_max_calls=1, success_threshold=3)
    for _ in range(2):
        assert breaker.call(ok) == "ok"
        assert breaker.state is State.HALF_OPEN
    breaker.call(ok)
    assert breaker.state is State.CLOSED


def test_one_trial_success_closes_by_default(clock) -> None:
    breaker = half_open_breaker(clock)
    breaker.call(ok)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.consecutive_failures == 0


def test_any_trial_failure_reopens_for_a_full_period(clock) -> None:
    breaker = half_open_breaker(clock, half_open_max_calls=3, success_threshold=3)
    clock.advance(4.5)
    breaker.call(ok)
    breaker.call(ok)
    clock.advance(1.0)
    trip(breaker)
    assert breaker.state is State.OPEN
    assert breaker.retry_after == 10.0
    clock.advance(9.5)
    assert breaker.state is State.OPEN
    clock.advance(0.5)
    assert breaker.state is State.HALF_OPEN


def test_failure_while_other_trials_in_flight_reopens(clock) -> None:
    breaker = half_open_breaker(clock, half_open_max_calls=2)
    first = breaker.acquire()
    second = breaker.acquire()
    second.failure(Boom())
    assert breaker.state is State.OPEN
    # The first trial finishing late must not close the reopened breaker.
    first.success()
    assert breaker.state is State.OPEN
    assert breaker.retry_after == 10.0


def test_generation_success_admitted_before_trip_does_not_change_state(clock, recorder) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock, listeners=[recorder])
    slow = breaker.acquire()  # admitted while CLOSED
    trip(breaker, 2)
    assert breaker.state is State.OPEN
    recorder.clear()
    slow.success()  # its result arrives after the trip
    assert breaker.state is State.OPEN
    assert breaker.retry_after == 10.0
    assert recorder.events == []  # no event for a stale result
    m = breaker.metrics
    assert m.successes == 1
    assert m.consecutive_failures == 2  # a stale success does not reset it
    assert totals_consistent(breaker)


def test_generation_success_admitted_before_trip_does_not_close_later_half_open(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    slow = breaker.acquire()
    trip(breaker)
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    slow.success()
    assert breaker.state is State.HALF_OPEN
    # ...and did not take or free a trial slot: one trial is still admitted, then none.
    trial = breaker.acquire()
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()
    trial.success()
    assert breaker.state is State.CLOSED


def test_generation_failure_admitted_before_trip_does_not_reopen(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    slow = breaker.acquire()
    trip(breaker)
    clock.advance(10)
    breaker.call(ok)  # trial succeeds, closes
    assert breaker.state is State.CLOSED
    slow.failure(Boom())  # threshold 1 would trip if this counted
    assert breaker.state is State.CLOSED
    assert breaker.metrics.consecutive_failures == 0
    assert breaker.metrics.failures == 2


def test_generation_slow_trial_admitted_before_manual_reset(clock) -> None:
    breaker = half_open_breaker(clock)
    trial = breaker.acquire()
    breaker.reset()
    assert breaker.state is State.CLOSED
    trial.failure(Boom())
    assert breaker.state is State.CLOSED
    assert breaker.metrics.consecutive_failures == 0


def test_generation_slow_trial_admitted_before_manual_open(clock) -> None:
    breaker = half_open_breaker(clock)
    trial = breaker.acquire()
    breaker.open()
    trial.success()
    assert breaker.state is State.OPEN
    assert breaker.retry_after == 10.0


def test_generation_trial_from_earlier_half_open_period(clock) -> None:
    breaker = half_open_breaker(clock, half_open_max_calls=2)
    old = breaker.acquire()
    trip(breaker)  # second trial fails: reopen
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    new = breaker.acquire()
    old.success()  # from the previous half-open period: must not close
    assert breaker.state is State.HALF_OPEN
    # and must not free a slot of the current period (one free slot left, not two)
    breaker.acquire()
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()
    new.success()
    assert breaker.state is State.CLOSED


def test_generation_counts_transitions(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    g0 = breaker.generation
    trip(breaker)
    assert breaker.generation == g0 + 1
    clock.advance(10)
    _ = breaker.state
    assert breaker.generation == g0 + 2


# -- Behaviour 6: three outcomes -------------------------------------------------------------


def test_excluded_type_propagates_and_counts_as_neither(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock, exclude=[Excluded])
    err = Excluded("not the service's fault")

    def raise_excluded() -> None:
        raise err

    trip(breaker)
    for _ in range(5):
        with pytest.raises(Excluded) as info:
            breaker.call(raise_excluded)
        assert info.value is err
    # not a failure (no trip), not a success (the pending failure is still counted)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.consecutive_failures == 1
    trip(breaker)
    assert breaker.state is State.OPEN
    m = breaker.metrics
    assert (m.ignored, m.failures, m.successes) == (5, 2, 0)


def test_excluded_subclass_matches(clock) -> None:
    class Narrower(Excluded):
        pass

    breaker = CircuitBreaker(1, 10, clock=clock, exclude=(Excluded,))

    def raise_sub() -> None:
        raise Narrower()

    with pytest.raises(Narrower):
        breaker.call(raise_sub)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.ignored == 1


def test_excluded_single_class_not_in_a_sequence(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, exclude=KeyError)
    with pytest.raises(KeyError):
        breaker.call({}.__getitem__, "x")
    assert breaker.state is State.CLOSED


def test_excluded_predicate(clock) -> None:
    def is_client_error(exc: BaseException) -> bool:
        return getattr(exc, "status", 500) < 500

    class HTTPError(Exception):
        def __init__(self, status: int) -> None:
            super().__init__(status)
            self.status = status

    breaker = CircuitBreaker(1, 10, clock=clock, exclude=[is_client_error])

    def get(status: int) -> None:
        raise HTTPError(status)

    with pytest.raises(HTTPError):
        breaker.call(get, 404)
    assert breaker.state is State.CLOSED
    with pytest.raises(HTTPError):
        breaker.call(get, 503)
    assert breaker.state is State.OPEN


def test_excluded_mixed_types_and_predicates(clock) -> None:
    breaker = CircuitBreaker(
        1, 10, clock=clock, exclude=[KeyError, lambda e: "ignore me" in str(e)]
    )
    with pytest.raises(KeyError):
        breaker.call({}.__getitem__, 1)

    def raise_msg() -> None:
        raise Boom("please ignore me")

    with pytest.raises(Boom):
        breaker.call(raise_msg)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.ignored == 2


def test_excluded_exception_releases_half_open_slot(clock) -> None:
    breaker = half_open_breaker(clock, exclude=[Excluded])

    def raise_excluded() -> None:
        raise Excluded()

    with pytest.raises(Excluded):
        breaker.call(raise_excluded)
    assert breaker.state is State.HALF_OPEN  # neither closed nor reopened
    permit = breaker.acquire()  # the slot was released
    permit.success()
    assert breaker.state is State.CLOSED


def test_excluded_does_not_count_as_success_in_half_open(clock) -> None:
    breaker = half_open_breaker(clock, exclude=[Excluded], success_threshold=2)
    for _ in range(3):
        with pytest.raises(Excluded):
            breaker.call(_raiser(Excluded()))
    breaker.call(ok)
    assert breaker.state is State.HALF_OPEN


def _raiser(exc: BaseException):
    def raise_it() -> None:
        raise exc

    return raise_it


BASE_EXCEPTIONS = [
    KeyboardInterrupt(),
    SystemExit(3),
    asyncio.CancelledError(),
    GeneratorExit(),
]


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_base_exceptions_propagate_and_never_trip(clock, exc) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    for _ in range(3):
        with pytest.raises(type(exc)) as info:
            breaker.call(_raiser(exc))
        assert info.value is exc
    assert breaker.state is State.CLOSED
    m = breaker.metrics
    assert (m.ignored, m.failures, m.successes) == (3, 0, 0)


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_base_exceptions_never_close_half_open_and_free_the_slot(clock, exc) -> None:
    breaker = half_open_breaker(clock)
    with pytest.raises(type(exc)):
        breaker.call(_raiser(exc))
    assert breaker.state is State.HALF_OPEN
    permit = breaker.acquire()
    permit.failure()
    assert breaker.state is State.OPEN


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_base_exceptions_ignored_even_if_exclude_predicate_says_no(clock, exc) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, exclude=[lambda e: False])
    with pytest.raises(type(exc)):
        breaker.call(_raiser(exc))
    assert breaker.state is State.CLOSED


def test_base_exception_keeps_pending_failures(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    trip(breaker)
    with pytest.raises(KeyboardInterrupt):
        breaker.call(_raiser(KeyboardInterrupt()))
    trip(breaker)
    assert breaker.state is State.OPEN


def test_failure_on_result_counts_value_as_failure_caller_gets_value(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock, failure_on_result=lambda r: r == 503)
    assert breaker.call(lambda: 200) == 200
    assert breaker.call(lambda: 503) == 503
    assert breaker.state is State.CLOSED
    assert breaker.call(lambda: 503) == 503
    assert breaker.state is State.OPEN
    m = breaker.metrics
    assert (m.successes, m.failures) == (1, 2)


def test_failure_on_result_in_half_open_reopens(clock) -> None:
    breaker = half_open_breaker(clock, failure_on_result=lambda r: r is None)
    assert breaker.call(lambda: None) is None
    assert breaker.state is State.OPEN


def test_failure_on_result_not_consulted_for_exceptions(clock) -> None:
    seen = []
    breaker = CircuitBreaker(
        1, 10, clock=clock, exclude=[Excluded], failure_on_result=lambda r: seen.append(r)
    )
    with pytest.raises(Excluded):
        breaker.call(_raiser(Excluded()))
    assert seen == []
    assert breaker.state is State.CLOSED


def _taking(clock: ManualClock, seconds: float, value: object = "done"):
    def slow() -> object:
        clock.advance(seconds)
        return value

    return slow


def test_slow_call_is_failure_but_caller_gets_result(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock, slow_call_duration=2.0)
    assert breaker.call(_taking(clock, 2.5, "late")) == "late"
    assert breaker.metrics.failures == 1
    assert breaker.state is State.CLOSED
    assert breaker.call(_taking(clock, 3.0)) == "done"
    assert breaker.state is State.OPEN


def test_slow_means_strictly_longer(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=2.0)
    for _ in range(3):
        assert breaker.call(_taking(clock, 2.0)) == "done"
    assert breaker.state is State.CLOSED
    m = breaker.metrics
    assert (m.successes, m.failures) == (3, 0)


def test_slow_trial_reopens(clock) -> None:
    breaker = half_open_breaker(clock, slow_call_duration=1.0)
    assert breaker.call(_taking(clock, 1.5)) == "done"
    assert breaker.state is State.OPEN


def test_slow_call_with_permit(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=1.0)
    permit = breaker.acquire()
    clock.advance(1.25)
    permit.success()
    assert breaker.state is State.OPEN


def test_slow_exception_still_classified_by_exception(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=1.0, exclude=[Excluded])

    def slow_excluded() -> None:
        clock.advance(5)
        raise Excluded()

    with pytest.raises(Excluded):
        breaker.call(slow_excluded)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.ignored == 1


# -- Behaviour 7 at the breaker level (policy internals in test_policies.py) -------------------


def test_policy_overrides_failure_threshold(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, policy=ConsecutiveFailures(3))
    trip(breaker, 2)
    assert breaker.state is State.CLOSED
    trip(breaker)
    assert breaker.state is State.OPEN


def test_failure_rate_policy_trips_breaker(clock) -> None:
    breaker = CircuitBreaker(clock=clock, policy=FailureRate(0.5, window=4))
    breaker.call(ok)
    trip(breaker)
    breaker.call(ok)
    assert breaker.state is State.CLOSED
    trip(breaker)  # 2 of the last 4 failed: 50% >= 50%
    assert breaker.state is State.OPEN


def test_window_is_cleared_when_breaker_closes(clock) -> None:
    breaker = CircuitBreaker(
        1, 10, clock=clock, policy=FailureRate(0.5, window=4, minimum_calls=2)
    )
    trip(breaker, 2)
    assert breaker.state is State.OPEN
    clock.advance(10)
    breaker.call(ok)
    assert breaker.state is State.CLOSED
    assert breaker.metrics.failure_rate == 0.0
    trip(breaker)  # 1 call in the window: below minimum_calls
    assert breaker.state is State.CLOSED


# -- Behaviour 8: backoff ----------------------------------------------------------------------


def fail_trial(breaker: CircuitBreaker, clock: ManualClock) -> float:
    """Wait out the open period, fail the trial; return the new open period."""
    clock.advance(breaker.retry_after)
    assert breaker.state is State.HALF_OPEN
    trip(breaker)
    assert breaker.state is State.OPEN
    return breaker.retry_after


def test_backoff_multiplier_grows_caps_and_resets_on_close(clock) -> None:
    breaker = CircuitBreaker(
        1, 10, clock=clock, backoff=2, max_recovery_timeout=50
    )
    trip(breaker)
    assert breaker.retry_after == 10.0  # a trip from CLOSED: the base period
    periods = [fail_trial(breaker, clock) for _ in range(4)]
    assert periods == [20.0, 40.0, 50.0, 50.0]
    clock.advance(50)
    breaker.call(ok)
    assert breaker.state is State.CLOSED
    trip(breaker)
    assert breaker.retry_after == 10.0
    assert fail_trial(breaker, clock) == 20.0


def test_backoff_without_cap(clock) -> None:
    breaker = CircuitBreaker(1, 1, clock=clock, backoff=3)
    trip(breaker)
    assert [fail_trial(breaker, clock) for _ in range(3)] == [3.0, 9.0, 27.0]


def test_backoff_callable(clock) -> None:
    attempts = []

    def schedule(k: int) -> float:
        attempts.append(k)
        return 7.0 * k

    breaker = CircuitBreaker(1, 5, clock=clock, backoff=schedule, max_recovery_timeout=20)
    attempts.clear()  # construction may probe the callable
    trip(breaker)
    assert breaker.retry_after == 5.0
    assert [fail_trial(breaker, clock) for _ in range(4)] == [7.0, 14.0, 20.0, 20.0]
    assert attempts == [1, 2, 3, 4]


def test_no_backoff_keeps_period(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    trip(breaker)
    assert [fail_trial(breaker, clock) for _ in range(3)] == [10.0, 10.0, 10.0]


def test_backoff_reset_by_manual_reset(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, backoff=2)
    trip(breaker)
    fail_trial(breaker, clock)
    fail_trial(breaker, clock)
    breaker.reset()
    trip(breaker)
    assert fail_trial(breaker, clock) == 20.0


def test_backoff_reset_by_manual_close(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, backoff=2)
    trip(breaker)
    fail_trial(breaker, clock)
    fail_trial(breaker, clock)
    breaker.close()
    trip(breaker)
    assert fail_trial(breaker, clock) == 20.0


def test_backoff_not_reset_by_ignored_trial(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, backoff=2)
    trip(breaker)
    assert fail_trial(breaker, clock) == 20.0
    clock.advance(20)
    with pytest.raises(KeyboardInterrupt):
        breaker.call(_raiser(KeyboardInterrupt()))
    trip(breaker)
    assert breaker.retry_after == 40.0


# -- Behaviour 10: manual control --------------------------------------------------------------


def test_open_acts_like_a_trip(clock, recorder) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock, listeners=[recorder])
    calls = []
    breaker.open()
    assert breaker.state is State.OPEN
    assert breaker.retry_after == 10.0
    with pytest.raises(CircuitBreakerError):
        breaker.call(calls.append, 1)
    assert calls == []
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    assert recorder.transitions() == [("closed", "open"), ("open", "half_open")]


def test_close_from_open(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    trip(breaker)
    breaker.close()
    assert breaker.state is State.CLOSED
    assert breaker.retry_after == 0.0
    assert breaker.call(ok) == "ok"


def test_close_from_half_open(clock) -> None:
    breaker = half_open_breaker(clock)
    breaker.close()
    assert breaker.state is State.CLOSED
    for _ in range(3):
        breaker.acquire().success()


def test_close_when_closed_is_a_noop(clock, recorder) -> None:
    breaker = CircuitBreaker(clock=clock, listeners=[recorder])
    breaker.close()
    assert recorder.changes == []


def test_half_open_manually(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, half_open_max_calls=2)
    breaker.half_open()
    assert breaker.state is State.HALF_OPEN
    breaker.acquire()
    breaker.acquire()
    with pytest.raises(CircuitBreakerError) as info:
        breaker.acquire()
    assert info.value.retry_after == 0.0


def test_half_open_from_open_cuts_open_period_short(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    trip(breaker)
    breaker.half_open()
    assert breaker.state is State.HALF_OPEN
    assert breaker.retry_after == 0.0
    assert breaker.call(ok) == "ok"
    assert breaker.state is State.CLOSED


def test_reset_closes_and_clears_counts_but_keeps_lifetime_metrics(clock) -> None:
    breaker = CircuitBreaker(3, 10, clock=clock)
    breaker.call(ok)
    trip(breaker, 3)
    with pytest.raises(CircuitBreakerError):
        breaker.call(ok)
    before = breaker.metrics
    breaker.reset()
    after = breaker.metrics
    assert after.state is State.CLOSED
    assert after.consecutive_failures == 0
    assert (after.calls, after.successes, after.failures, after.ignored, after.rejected) == (
        before.calls, before.successes, before.failures, before.ignored, before.rejected
    ) == (5, 1, 3, 0, 1)


def test_reset_when_closed_clears_pending_failures(clock) -> None:
    breaker = CircuitBreaker(3, 10, clock=clock)
    trip(breaker, 2)
    breaker.reset()
    assert breaker.metrics.consecutive_failures == 0
    trip(breaker, 2)
    assert breaker.state is State.CLOSED


def test_reset_clears_failure_rate_window(clock) -> None:
    breaker = CircuitBreaker(
        clock=clock, policy=FailureRate(0.5, window=10, minimum_calls=4)
    )
    trip(breaker, 3)
    assert breaker.metrics.failure_rate == 1.0
    breaker.reset()
    assert breaker.metrics.failure_rate == 0.0
    trip(breaker)
    breaker.call(ok)
    breaker.call(ok)
    trip(breaker)  # 2 of 4 since the reset; without the reset, F,F,F,F tripped already
    assert breaker.state is State.OPEN


def test_reset_from_open_and_half_open(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    trip(breaker)
    breaker.reset()
    assert breaker.state is State.CLOSED
    trip(breaker)
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    breaker.reset()
    assert breaker.state is State.CLOSED
    assert breaker.call(ok) == "ok"


# -- metrics invariants ------------------------------------------------------------------------


def test_metrics_calls_is_sum_of_outcomes(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock, exclude=[Excluded])
    breaker.call(ok)
    with pytest.raises(Excluded):
        breaker.call(_raiser(Excluded()))
    trip(breaker, 2)
    for _ in range(3):
        with pytest.raises(CircuitBreakerError):
            breaker.call(ok)
    m = breaker.metrics
    assert (m.calls, m.successes, m.failures, m.ignored, m.rejected) == (7, 1, 2, 1, 3)
    assert m.state is State.OPEN
    assert m.consecutive_failures == 2
    assert m.failure_rate is None  # ConsecutiveFailures has no window


def test_metrics_is_an_immutable_snapshot(clock) -> None:
    breaker = CircuitBreaker(clock=clock)
    snap = breaker.metrics
    breaker.call(ok)
    assert snap.calls == 0
    assert breaker.metrics.calls == 1
    with pytest.raises(AttributeError):
        snap.calls = 5  # type: ignore[misc]


def test_metrics_state_applies_lazy_transition(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    trip(breaker)
    clock.advance(10)
    assert breaker.metrics.state is State.HALF_OPEN


def test_rejected_in_half_open_counted(clock) -> None:
    breaker = half_open_breaker(clock)
    breaker.acquire()
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()
    m = breaker.metrics
    assert m.rejected == 1
    assert totals_consistent(breaker)
