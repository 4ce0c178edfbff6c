"""Trip policies: when a CLOSED breaker should open.

A policy watches the outcomes of calls made while the breaker is CLOSED and answers one
question after each failure: trip now? The breaker calls it under its lock, so a policy
needs no locking of its own, and each policy instance belongs to exactly one breaker.

To write your own, subclass :class:`TripPolicy` and implement the four methods:

>>> class EveryOtherFailure(TripPolicy):
...     def __init__(self) -> None:
...         self.failures = 0
...     def record_success(self, now: float) -> None:
...         pass
...     def record_failure(self, now: float) -> None:
...         self.failures += 1
...     def should_trip(self, now: float) -> bool:
...         return self.failures % 2 == 0
...     def reset(self) -> None:
...         self.failures = 0
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque

from ._validate import check_fraction, check_int, check_seconds

__all__ = ["ConsecutiveFailures", "FailureRate", "TripPolicy"]


class TripPolicy(ABC):
    """The interface between a breaker and its trip rule.

    ``now`` is the breaker's clock time in seconds (never decreasing). The breaker calls
    :meth:`record_success` / :meth:`record_failure` for every call that completes while
    it is CLOSED, then :meth:`should_trip` after each failure (both through
    :meth:`failure_trips`), and :meth:`reset` whenever
    it closes (or is reset), so a fresh closed period starts with a clean slate.
    """

    @abstractmethod
    def record_success(self, now: float) -> None:
        """A call succeeded at time ``now``."""

    @abstractmethod
    def record_failure(self, now: float) -> None:
        """A call failed at time ``now``."""

    @abstractmethod
    def should_trip(self, now: float) -> bool:
        """Whether the breaker should open now (asked right after a failure)."""

    @abstractmethod
    def reset(self) -> None:
        """Forget everything recorded so far."""

    def failure_rate(self, now: float) -> float | None:
        """The failure rate (0..1) over the current window, or ``None`` if this policy
        has no window (the default)."""
        return None

    def failure_trips(self, now: float) -> bool:
        """Record a failure and say whether to trip: what the breaker calls after each
        failure. The default is ``record_failure(now)`` then ``should_trip(now)``;
        override it only to do both faster."""
        self.record_failure(now)
        return self.should_trip(now)

    def reason(self, now: float) -> str:
        """Plain words for why :meth:`should_trip` said yes, used in events and logs."""
        return f"{type(self).__name__} tripped"


class ConsecutiveFailures(TripPolicy):
    """Trip after ``threshold`` failures in a row; any success resets the count.

    ``threshold``: int >= 1. This is the classic rule and the breaker's default
    (``CircuitBreaker(failure_threshold=n)`` uses ``ConsecutiveFailures(n)``).
    """

    __slots__ = ("count", "threshold")

    def __init__(self, threshold: int = 5) -> None:
        self.threshold = check_int("threshold", threshold, minimum=1)
        self.count = 0

    def record_success(self, now: float) -> None:
        self.count = 0

    def record_failure(self, now: float) -> None:
        self.count += 1

    def should_trip(self, now: float) -> bool:
        return self.count >= self.threshold

    def failure_trips(self, now: float) -> bool:
        self.count += 1
        return self.count >= self.threshold

    def reset(self) -> None:
        self.count = 0

    def reason(self, now: float) -> str:
        noun = "failure" if self.count == 1 else "consecutive failures"
        return f"{self.count} {noun}"

    def __repr__(self) -> str:
        return f"ConsecutiveFailures({self.threshold})"


class FailureRate(TripPolicy):
    """Trip when the share of failed calls in a sliding window reaches ``threshold``.

    Exactly one window kind is given:

    - ``window=N`` (int >= 1): the last N calls;
    - ``window_seconds=T`` (seconds > 0): the calls of the last T seconds, kept in
      ``buckets`` time buckets (int >= 1, default 10) so the cost per call does not grow
      with traffic; the window slides by ``T / buckets`` seconds at a time.

    ``threshold``: fraction in (0, 1]; trips when ``failures / calls >= threshold``.
    ``minimum_calls`` (int >= 1): no verdict until the window holds this many calls;
    default: ``N`` for a count window (the window must fill), 10 for a time window.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        window: int | None = None,
        window_seconds: float | None = None,
        minimum_calls: int | None = None,
        buckets: int = 10,
    ) -> None:
        self.threshold = check_fraction("threshold", threshold, allow_zero=False)
        if (window is None) == (window_seconds is None):
            raise TypeError(
                "FailureRate needs exactly one of window (a number of calls) or "
                f"window_seconds (a duration), got window={window!r}, "
                f"window_seconds={window_seconds!r}"
            )
        self.window = None if window is None else check_int("window", window, minimum=1)
        self.window_seconds = (
            None
            if window_seconds is None
            else check_seconds("window_seconds", window_seconds, allow_zero=False)
        )
        self.buckets = check_int("buckets", buckets, minimum=1)
        default_minimum = self.window if self.window is not None else 10
        self.minimum_calls = (
            default_minimum
            if minimum_calls is None
            else check_int("minimum_calls", minimum_calls, minimum=1)
        )
        # Count window: a ring of outcomes (True = failure) and running totals.
        self._outcomes: deque[bool] = deque()
        # Time window: parallel per-bucket counts, indexed by bucket number.
        self._bucket_width = (self.window_seconds or 1.0) / self.buckets
        self._bucket_ids: deque[int] = deque()
        self._bucket_calls: deque[int] = deque()
        self._bucket_failures: deque[int] = deque()
        self.calls = 0
        self.failures = 0

    # -- recording -------------------------------------------------------------------
    def record_success(self, now: float) -> None:
        self._record(False, now)

    def record_failure(self, now: float) -> None:
        self._record(True, now)

    def _record(self, failed: bool, now: float) -> None:
        if self.window is not None:
            outcomes = self._outcomes
            if len(outcomes) < self.window:
                self.calls += 1
            elif outcomes.popleft():  # full: the oldest outcome slides out
                self.failures -= 1
            outcomes.append(failed)
        else:
            self._expire(now)
            bucket = math.floor(now / self._bucket_width)
            if not self._bucket_ids or self._bucket_ids[-1] != bucket:
                self._bucket_ids.append(bucket)
                self._bucket_calls.append(0)
                self._bucket_failures.append(0)
            self._bucket_calls[-1] += 1
            self.calls += 1
            if failed:
                self._bucket_failures[-1] += 1
        if failed:
            self.failures += 1

    def _expire(self, now: float) -> None:
        """Drop time buckets that have slid out of the window ending at ``now``."""
        oldest_kept = math.floor(now / self._bucket_width) - self.buckets + 1
        ids = self._bucket_ids
        while ids and ids[0] < oldest_kept:
            ids.popleft()
            self.calls -= self._bucket_calls.popleft()
            self.failures -= self._bucket_failures.popleft()

    # -- verdict ---------------------------------------------------------------------
    def failure_rate(self, now: float) -> float | None:
        if self.window_seconds is not None:
            self._expire(now)
        return self.failures / self.calls if self.calls else 0.0

    def should_trip(self, now: float) -> bool:
        if self.window_seconds is not None:
            self._expire(now)
        return self.calls >= self.minimum_calls and self.failures / self.calls >= self.threshold

    def reset(self) -> None:
        self._outcomes.clear()
        self._bucket_ids.clear()
        self._bucket_calls.clear()
        self._bucket_failures.clear()
        self.calls = 0
        self.failures = 0

    def reason(self, now: float) -> str:
        rate = self.failure_rate(now) or 0.0
        span = (
            f"last {self.calls} calls"
            if self.window is not None
            else f"last {self.window_seconds:g} s ({self.calls} calls)"
        )
        return f"failure rate {rate:.0%} >= {self.threshold:.0%} over {span}"

    def __repr__(self) -> str:
        kind = (
            f"window={self.window}"
            if self.window is not None
            else f"window_seconds={self.window_seconds:g}"
        )
        return f"FailureRate({self.threshold:g}, {kind}, minimum_calls={self.minimum_calls})"
