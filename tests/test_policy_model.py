"""Property test: FailureRate against a naive model that keeps every outcome."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from circuit_lab import FailureRate

outcomes = st.lists(
    st.tuples(st.floats(0.0, 3.0, allow_nan=False), st.booleans()), min_size=1, max_size=200
)


@settings(max_examples=300, deadline=None)
@given(
    threshold=st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.75, 1.0]),
    window=st.integers(1, 12),
    minimum=st.integers(1, 12),
    steps=outcomes,
)
def test_count_window_matches_naive_model(threshold, window, minimum, steps):
    policy = FailureRate(threshold, window=window, minimum_calls=minimum)
    history: list[bool] = []
    now = 0.0
    for gap, failed in steps:
        now += gap
        if failed:
            policy.record_failure(now)
        else:
            policy.record_success(now)
        history.append(failed)
        last = history[-window:]
        rate = sum(last) / len(last)
        assert policy.failure_rate(now) == rate
        assert policy.should_trip(now) == (len(last) >= minimum and rate >= threshold)


@settings(max_examples=300, deadline=None)
@given(
    threshold=st.sampled_from([0.2, 0.5, 0.9]),
    window_seconds=st.sampled_from([1.0, 5.0, 10.0]),
    buckets=st.integers(1, 10),
    minimum=st.integers(1, 6),
    steps=outcomes,
)
def test_time_window_matches_naive_model(threshold, window_seconds, buckets, minimum, steps):
    policy = FailureRate(
        threshold, window_seconds=window_seconds, buckets=buckets, minimum_calls=minimum
    )
    width = window_seconds / buckets
    history: list[tuple[float, bool]] = []
    now = 0.0
    for gap, failed in steps:
        now += gap
        (policy.record_failure if failed else policy.record_success)(now)
        history.append((now, failed))
        oldest = math.floor(now / width) - buckets + 1
        kept = [f for t, f in history if math.floor(t / width) >= oldest]
        rate = sum(kept) / len(kept)
        assert policy.failure_rate(now) == rate
        assert policy.should_trip(now) == (len(kept) >= minimum and rate >= threshold)
    # The cost per call does not grow with traffic: at most `buckets` buckets are kept.
    assert len(policy._bucket_ids) <= buckets


def test_reset_forgets_everything():
    policy = FailureRate(0.5, window=4)
    for _ in range(4):
        policy.record_failure(0.0)
    assert policy.should_trip(0.0)
    policy.reset()
    assert policy.failure_rate(0.0) == 0.0
    assert not policy.should_trip(0.0)
