"""Reference solutions and typical wrong answers for the exercise checkers' tests.

The right answers of the fingerprinted questions are computed here, by running the
breaker or the simulator, never typed in: so these tests also catch a checker whose
fingerprints drifted away from what the package now does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from circuit_lab import CircuitBreaker, ManualClock, TripPolicy
from circuit_lab.exercises import diagnosis, fallback
from circuit_lab.sim import Outcome, cascade_comparison, run_scenario

# -- exercise 1 ---------------------------------------------------------------------------


def predicted_states() -> dict[str, Any]:
    """Run the exercise-1 sequence and record what each question asks for."""
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=20, success_threshold=2,
                             clock=clock)

    def succeed() -> None:
        breaker.acquire().success()

    def fail() -> None:
        breaker.acquire().failure()

    out: dict[str, Any] = {}
    fail(); fail(); succeed(); fail(); fail()  # noqa: E702
    out["a"] = breaker.state
    fail()
    out["b"] = breaker.state
    clock.advance(15)
    out["c"] = breaker.retry_after
    clock.advance(5)
    out["d"] = breaker.state
    succeed()
    out["e"] = breaker.state
    fail()
    out["f"] = breaker.state
    out["g"] = breaker.retry_after
    clock.advance(20); succeed(); succeed()  # noqa: E702
    out["h"] = breaker.state
    return out


# -- exercise 3 ---------------------------------------------------------------------------


class SlidingWindowFailureRate(TripPolicy):
    """The reference policy."""

    def __init__(self, threshold: float, window: int) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TypeError(f"threshold must be a number in (0, 1], got {threshold!r}")
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if isinstance(window, bool) or not isinstance(window, int):
            raise TypeError(f"window must be an int >= 1, got {window!r}")
        if window < 1:
            raise ValueError(f"window must be an int >= 1, got {window!r}")
        self.threshold = threshold
        self.window = window
        self.outcomes: deque[bool] = deque()
        self.failures = 0

    def _record(self, failed: bool) -> None:
        if len(self.outcomes) == self.window and self.outcomes.popleft():
            self.failures -= 1
        self.outcomes.append(failed)
        self.failures += failed

    def record_success(self, now: float) -> None:
        self._record(False)

    def record_failure(self, now: float) -> None:
        self._record(True)

    def should_trip(self, now: float) -> bool:
        full = len(self.outcomes) == self.window
        return full and self.failures / self.window >= self.threshold

    def reset(self) -> None:
        self.outcomes.clear()
        self.failures = 0

    def failure_rate(self, now: float) -> float:
        return self.failures / len(self.outcomes) if self.outcomes else 0.0


class DecidesEarly(SlidingWindowFailureRate):
    """Wrong: judges a half-empty window."""

    def should_trip(self, now: float) -> bool:
        return self.failures / len(self.outcomes) >= self.threshold


class StrictlyAbove(SlidingWindowFailureRate):
    """Wrong: > instead of >=."""

    def should_trip(self, now: float) -> bool:
        full = len(self.outcomes) == self.window
        return full and self.failures / self.window > self.threshold


class ResetsOnSuccess(SlidingWindowFailureRate):
    """Wrong: a success clears the window (consecutive failures in disguise)."""

    def record_success(self, now: float) -> None:
        self.reset()
        self._record(False)


class NeverForgets(SlidingWindowFailureRate):
    """Wrong: counts every call since the last reset (no sliding)."""

    def __init__(self, threshold: float, window: int) -> None:
        super().__init__(threshold, window)
        self.calls = 0

    def _record(self, failed: bool) -> None:
        self.calls += 1
        self.failures += failed
        self.outcomes.append(failed)

    def should_trip(self, now: float) -> bool:
        return self.calls >= self.window and self.failures / self.calls >= self.threshold

    def reset(self) -> None:
        super().reset()
        self.calls = 0


class NoReset(SlidingWindowFailureRate):
    """Wrong: reset() does nothing."""

    def reset(self) -> None:
        pass


class NoValidation(SlidingWindowFailureRate):
    """Wrong: accepts any arguments."""

    def __init__(self, threshold: Any, window: Any) -> None:
        self.threshold = threshold
        self.window = window if isinstance(window, int) and window > 0 else 1
        self.outcomes = deque()
        self.failures = 0


class Unwritten(TripPolicy):
    """The student version as generated: every method raises NotImplementedError."""

    def __init__(self, threshold: float, window: int) -> None:
        raise NotImplementedError()

    def record_success(self, now: float) -> None:
        raise NotImplementedError()

    def record_failure(self, now: float) -> None:
        raise NotImplementedError()

    def should_trip(self, now: float) -> bool:
        raise NotImplementedError()

    def reset(self) -> None:
        raise NotImplementedError()


# -- exercise 4 ---------------------------------------------------------------------------


def exponential_backoff(base: float, factor: float = 2.0,
                        cap: float = 60.0) -> Callable[[int], float]:
    """The reference backoff."""
    for name, value in (("base", base), ("factor", factor), ("cap", cap)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {value!r}")
    if not base > 0:
        raise ValueError(f"base must be > 0 seconds, got {base!r}")
    if not factor >= 1:
        raise ValueError(f"factor must be >= 1, got {factor!r}")
    if not cap >= base:
        raise ValueError(f"cap must be >= base ({base!r}), got {cap!r}")

    def delay(k: int) -> float:
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"k must be an int >= 1, got {k!r}")
        if k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        try:
            seconds = base * factor**k
        except OverflowError:
            return float(cap)
        return float(min(seconds, cap))

    return delay


def backoff_starting_at_zero(base: float, factor: float = 2.0,
                             cap: float = 60.0) -> Callable[[int], float]:
    """Wrong: base * factor ** (k - 1), so the first failed trial does not back off."""
    exponential_backoff(base, factor, cap)

    def delay(k: int) -> float:
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"k must be an int >= 1, got {k!r}")
        if k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        try:
            return float(min(base * factor ** (k - 1), cap))
        except OverflowError:
            return float(cap)

    return delay


def backoff_without_cap(base: float, factor: float = 2.0,
                        cap: float = 60.0) -> Callable[[int], float]:
    """Wrong: ignores the cap."""
    exponential_backoff(base, factor, cap)
    return lambda k: float(base * factor**k)


def backoff_returning_ints(base: float, factor: float = 2.0,
                           cap: float = 60.0) -> Callable[[int], float]:
    """Wrong: no float(), and no guard against overflow or a bad k."""
    return lambda k: min(base * factor**k, cap)


def backoff_overflowing(base: float, factor: float = 2.0,
                        cap: float = 60.0) -> Callable[[int], float]:
    """Wrong: right for small k, OverflowError for huge k."""
    right = exponential_backoff(base, factor, cap)

    def delay(k: int) -> float:
        right(k)  # validates k
        return float(min(float(base) * float(factor) ** k, cap))

    return delay


def backoff_unchecked_k(base: float, factor: float = 2.0,
                        cap: float = 60.0) -> Callable[[int], float]:
    """Wrong: accepts k = 0, 1.5, True."""
    exponential_backoff(base, factor, cap)

    def delay(k: Any) -> float:
        if k > 1000:
            return float(cap)
        return float(min(base * factor**k, cap))

    return delay


def backoff_unwritten(base: float, factor: float = 2.0,
                      cap: float = 60.0) -> Callable[[int], float]:
    raise NotImplementedError()


# -- exercise 5 ---------------------------------------------------------------------------


def diagnosis_answers() -> dict[str, Any]:
    """Read the answers of exercise 5 off the timelines, as a student would."""
    runs = cascade_comparison(seed=diagnosis.SEED, **diagnosis.SCENARIO)
    without = runs["without breakers"]
    (fault,) = without.faults
    frontend = without.services.index("frontend")
    timed_out = [without.time[i] + without.latency[i] for i in range(len(without))
                 if without.service[i] == frontend and without.outcome[i] == Outcome.TIMEOUT]
    first_open = next(t for t in runs["with breakers"].transitions if t.new.value == "open")
    assert fault.kind == "latency"  # so that (b) is the "slower" choice
    return {
        "a": fault.service,
        "b": "B",
        "c": min(timed_out),
        "d": "C",
        "e": without.summary("frontend").timeouts,
        "f": first_open.service,
    }


# -- exercise 6 ---------------------------------------------------------------------------


def fallback_rates() -> dict[str, float]:
    """The frontend's success rate of each run, measured here."""
    return {
        name: run_scenario("cascade", fallback.SEED, breaker=b, fallback=f)
        .summary("frontend").success_rate
        for name, (b, f) in fallback.RUNS.items()
    }


def fallback_degraded() -> int:
    timeline = run_scenario("cascade", fallback.SEED, breaker=True, fallback=True)
    return timeline.summary("frontend").degraded


FALLBACK_WHY = "D"
