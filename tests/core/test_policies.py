"""Trip policies (issue 2, Behaviour 7): ConsecutiveFailures, FailureRate and the
TripPolicy interface a student subclasses."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from circuit_lab import (
    CircuitBreaker,
    ConsecutiveFailures,
    FailureRate,
    ManualClock,
    State,
    TripPolicy,
)


class Boom(Exception):
    pass


def fail() -> None:
    raise Boom()


def feed(policy: TripPolicy, outcomes: str, now: float = 0.0) -> None:
    """Record outcomes: 'F' failure, 'S' success."""
    for ch in outcomes:
        if ch == "F":
            policy.record_failure(now)
        else:
            policy.record_success(now)


def stored_items(policy: object) -> int:
    """How many items the policy keeps in its containers (its memory, its cost)."""
    return sum(
        len(value)
        for value in vars(policy).values()
        if isinstance(value, (deque, list, dict, set))
    )


# -- ConsecutiveFailures ----------------------------------------------------------------------


def test_consecutive_failures_trips_at_threshold() -> None:
    policy = ConsecutiveFailures(3)
    feed(policy, "FF")
    assert not policy.should_trip(0)
    feed(policy, "F")
    assert policy.should_trip(0)
    assert policy.reason(0) == "3 consecutive failures"


def test_consecutive_failures_success_resets() -> None:
    policy = ConsecutiveFailures(2)
    feed(policy, "FSFSFS")
    feed(policy, "F")
    assert not policy.should_trip(0)


def test_consecutive_failures_reset() -> None:
    policy = ConsecutiveFailures(2)
    feed(policy, "F")
    policy.reset()
    feed(policy, "F")
    assert not policy.should_trip(0)


def test_consecutive_failures_has_no_window() -> None:
    assert ConsecutiveFailures(2).failure_rate(0) is None
    single = ConsecutiveFailures(1)
    feed(single, "F")
    assert single.reason(0) == "1 failure"


def test_default_policy_is_consecutive_failures() -> None:
    breaker = CircuitBreaker(4, clock=ManualClock())
    assert isinstance(breaker.policy, ConsecutiveFailures)
    assert breaker.policy.threshold == 4


# -- FailureRate, count window ----------------------------------------------------------------


def test_count_window_trips_at_threshold_inclusive() -> None:
    policy = FailureRate(0.5, window=4)
    feed(policy, "SFS")
    assert not policy.should_trip(0)  # only 3 calls: the window must fill by default
    feed(policy, "F")
    assert policy.failure_rate(0) == 0.5
    assert policy.should_trip(0)  # 50% >= 50%


def test_count_window_below_threshold() -> None:
    policy = FailureRate(0.5, window=4)
    feed(policy, "SSSF")
    assert policy.failure_rate(0) == 0.25
    assert not policy.should_trip(0)


def test_count_window_default_minimum_calls_is_window() -> None:
    assert FailureRate(0.5, window=7).minimum_calls == 7


def test_count_window_minimum_calls() -> None:
    policy = FailureRate(0.5, window=10, minimum_calls=3)
    feed(policy, "FF")
    assert policy.failure_rate(0) == 1.0
    assert not policy.should_trip(0)
    feed(policy, "S")
    assert policy.should_trip(0)  # 2/3 >= 0.5


def test_count_window_threshold_one_needs_all_failures() -> None:
    policy = FailureRate(1.0, window=3)
    feed(policy, "FFS")
    assert not policy.should_trip(0)
    policy = FailureRate(1.0, window=3)
    feed(policy, "FFF")
    assert policy.should_trip(0)


def test_count_window_slides_past_failures() -> None:
    policy = FailureRate(0.5, window=4)
    feed(policy, "FFFF")
    assert policy.should_trip(0)
    feed(policy, "SSS")  # window: F S S S
    assert policy.failure_rate(0) == 0.25
    assert not policy.should_trip(0)


def test_count_window_slides_past_successes() -> None:
    policy = FailureRate(0.5, window=4)
    feed(policy, "SSSS")
    feed(policy, "FF")  # window: S S F F -> 50%
    assert policy.calls == 4
    assert policy.failure_rate(0) == 0.5
    assert policy.should_trip(0)


def test_count_window_breaker_trips_after_window_filled_with_successes() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(clock=clock, policy=FailureRate(0.5, window=4))
    for _ in range(10):
        breaker.call(lambda: None)
    for _ in range(2):
        with pytest.raises(Boom):
            breaker.call(fail)
    assert breaker.metrics.failure_rate == 0.5
    assert breaker.state is State.OPEN


@settings(max_examples=200, deadline=None)
@given(
    window=st.integers(1, 8),
    threshold=st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0]),
    minimum=st.integers(1, 8),
    outcomes=st.lists(st.booleans(), max_size=40),
)
@example(window=2, threshold=0.5, minimum=2, outcomes=[False, False, True])
def test_count_window_matches_reference(window, threshold, minimum, outcomes) -> None:
    policy = FailureRate(threshold, window=window, minimum_calls=minimum)
    last: deque[bool] = deque(maxlen=window)
    for failed in outcomes:
        if failed:
            policy.record_failure(0)
        else:
            policy.record_success(0)
        last.append(failed)
        rate = sum(last) / len(last)
        assert policy.failure_rate(0) == pytest.approx(rate)
        assert policy.should_trip(0) == (len(last) >= minimum and rate >= threshold)


def test_count_window_storage_is_bounded() -> None:
    policy = FailureRate(0.99, window=50)
    for i in range(10_000):
        if i % 3:
            policy.record_success(0)
        else:
            policy.record_failure(0)
    assert stored_items(policy) <= 50


# -- FailureRate, time window -----------------------------------------------------------------


def test_time_window_default_minimum_calls_is_ten() -> None:
    assert FailureRate(0.5, window_seconds=60).minimum_calls == 10


def test_time_window_trips_at_threshold_inclusive() -> None:
    policy = FailureRate(0.5, window_seconds=10, minimum_calls=4)
    for t, ch in enumerate("SFSF"):
        feed(policy, ch, now=float(t))
    assert policy.failure_rate(3.0) == 0.5
    assert policy.should_trip(3.0)


def test_time_window_minimum_calls() -> None:
    policy = FailureRate(0.5, window_seconds=10, minimum_calls=4)
    feed(policy, "FFF", now=1.0)
    assert policy.failure_rate(1.0) == 1.0
    assert not policy.should_trip(1.0)


def test_time_window_forgets_calls_older_than_window() -> None:
    # 10 s window in 10 buckets of 1 s: a failure at 0.5 s is in bucket [0, 1) and
    # slides out when the window reaches 10 s.
    policy = FailureRate(0.5, window_seconds=10, minimum_calls=1, buckets=10)
    feed(policy, "F", now=0.5)
    assert policy.should_trip(9.75)
    assert policy.failure_rate(9.75) == 1.0
    assert policy.failure_rate(10.0) == 0.0
    assert not policy.should_trip(10.0)


def test_time_window_slides_bucket_by_bucket() -> None:
    policy = FailureRate(0.5, window_seconds=4, minimum_calls=1, buckets=4)
    feed(policy, "F", now=0.0)
    feed(policy, "S", now=1.0)
    feed(policy, "S", now=2.0)
    feed(policy, "S", now=3.0)
    assert policy.failure_rate(3.5) == 0.25
    assert policy.failure_rate(4.0) == 0.0  # bucket [0, 1) left the window
    assert policy.failure_rate(5.0) == 0.0
    feed(policy, "F", now=5.0)  # window: S(2) S(3) F(5)
    assert policy.failure_rate(5.0) == pytest.approx(1 / 3)
    assert policy.failure_rate(100.0) == 0.0


def test_time_window_storage_is_bounded_by_buckets() -> None:
    policy = FailureRate(0.99, window_seconds=10, buckets=10)
    clock = ManualClock()
    for i in range(20_000):
        clock.advance(0.013)
        if i % 4:
            policy.record_success(clock())
        else:
            policy.record_failure(clock())
        assert policy.should_trip(clock()) is False
    # Each kept item is one bucket: 3 parallel per-bucket counters at most.
    assert stored_items(policy) <= 3 * 10
    assert policy.calls <= 10 / 0.013 + 1


def test_time_window_totals_match_reference() -> None:
    policy = FailureRate(0.5, window_seconds=5, minimum_calls=1, buckets=5)
    log: list[tuple[float, bool]] = []
    t = 0.0
    for i in range(400):
        t += (i * 7 % 5) * 0.25
        failed = i % 3 == 0
        (policy.record_failure if failed else policy.record_success)(t)
        log.append((t, failed))
        start = (int(t // 1.0) - 5 + 1) * 1.0  # first kept bucket's start
        kept = [f for (when, f) in log if when >= start]
        assert policy.failure_rate(t) == pytest.approx(sum(kept) / len(kept))


def test_failure_rate_reset() -> None:
    for policy in (
        FailureRate(0.5, window=4),
        FailureRate(0.5, window_seconds=10, minimum_calls=1),
    ):
        feed(policy, "FFFF", now=1.0)
        assert policy.should_trip(1.0)
        policy.reset()
        assert policy.failure_rate(1.0) == 0.0
        assert not policy.should_trip(1.0)


def test_failure_rate_reason_mentions_rate_and_threshold() -> None:
    policy = FailureRate(0.5, window=4)
    feed(policy, "FFSS")
    reason = policy.reason(0)
    assert "50%" in reason
    assert "4" in reason


def test_breaker_exposes_failure_rate_in_metrics() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(
        clock=clock, policy=FailureRate(0.9, window_seconds=10, minimum_calls=100)
    )
    breaker.call(lambda: None)
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.metrics.failure_rate == 0.5
    clock.advance(60)
    assert breaker.metrics.failure_rate == 0.0


def test_breaker_time_window_trips(clock) -> None:
    breaker = CircuitBreaker(
        1, 30, clock=clock, policy=FailureRate(0.5, window_seconds=10, minimum_calls=4)
    )
    for _ in range(3):
        breaker.call(lambda: None)
        clock.advance(1)
    for _ in range(2):
        with pytest.raises(Boom):
            breaker.call(fail)
        clock.advance(1)
    assert breaker.state is State.CLOSED  # 2 of 5 = 40%
    with pytest.raises(Boom):
        breaker.call(fail)  # 3 of 6 = 50%
    assert breaker.state is State.OPEN


# -- the TripPolicy interface -----------------------------------------------------------------


class EveryOtherFailure(TripPolicy):
    """The docstring's example policy."""

    def __init__(self) -> None:
        self.failures = 0

    def record_success(self, now: float) -> None:
        pass

    def record_failure(self, now: float) -> None:
        self.failures += 1

    def should_trip(self, now: float) -> bool:
        return self.failures % 2 == 0

    def reset(self) -> None:
        self.failures = 0


def test_student_policy_subclass_drives_breaker() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(1, 10, clock=clock, policy=EveryOtherFailure())
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.state is State.CLOSED
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.state is State.OPEN
    assert breaker.metrics.failure_rate is None  # default: no window


def test_incomplete_subclass_cannot_be_instantiated() -> None:
    class Half(TripPolicy):
        def record_success(self, now: float) -> None:
            pass

    with pytest.raises(TypeError):
        Half()  # type: ignore[abstract]


def test_default_reason_names_the_policy(recorder) -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(
        1, 10, clock=clock, policy=EveryOtherFailure(), listeners=[recorder]
    )
    for _ in range(2):
        with pytest.raises(Boom):
            breaker.call(fail)
    assert "EveryOtherFailure" in recorder.changes[-1].reason


class Spy(TripPolicy):
    """Records how the breaker drives it."""

    def __init__(self, trip_after: int) -> None:
        self.trip_after = trip_after
        self.log: list[tuple[str, float]] = []
        self.failures = 0

    def record_success(self, now: float) -> None:
        self.log.append(("success", now))

    def record_failure(self, now: float) -> None:
        self.failures += 1
        self.log.append(("failure", now))

    def should_trip(self, now: float) -> bool:
        self.log.append(("should_trip", now))
        return self.failures >= self.trip_after

    def reset(self) -> None:
        self.failures = 0
        self.log.append(("reset", -1.0))


def test_policy_interface_calls() -> None:
    clock = ManualClock(start=5.0)
    spy = Spy(trip_after=2)
    breaker = CircuitBreaker(1, 10, clock=clock, policy=spy, exclude=[KeyError])
    breaker.call(lambda: None)
    clock.advance(1)
    with pytest.raises(KeyError):
        breaker.call({}.__getitem__, 0)  # ignored: the policy never hears of it
    with pytest.raises(Boom):
        breaker.call(fail)
    clock.advance(1)
    with pytest.raises(Boom):
        breaker.call(fail)
    assert breaker.state is State.OPEN
    assert spy.log == [
        ("success", 5.0),
        ("failure", 6.0),
        ("should_trip", 6.0),
        ("failure", 7.0),
        ("should_trip", 7.0),
    ]
    spy.log.clear()
    clock.advance(10)
    with pytest.raises(Boom):
        breaker.call(fail)  # a trial failure: not the policy's business
    assert breaker.state is State.OPEN
    assert spy.log == []
    clock.advance(10)
    breaker.call(lambda: None)  # trial success closes: policy reset, trial not recorded
    assert breaker.state is State.CLOSED
    assert spy.log == [("reset", -1.0)]
