"""Exercise 4: exponential backoff with a cap, as the breaker's ``backoff=`` callable.

The student writes ``exponential_backoff(base, factor, cap)`` returning ``delay(k)``:
the open period (seconds) after the k-th consecutive failed trial, ``base * factor ** k``
but never more than ``cap``. The checker tests properties (the first value, growth by
``factor``, the cap, no overflow for huge ``k``, types and errors) and then measures the
open periods of a real breaker using it; it never computes a table of expected values
for the student to copy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from circuit_lab import CircuitBreaker, ManualClock, State

from ._student_code import RuleFailed, StudentError, describe
from .feedback import Feedback

__all__ = ["RULES", "check_backoff"]

_TITLE = "Exercise 4 (exponential backoff)"

# (base, factor, cap) combinations the properties are checked with.
_CASES: tuple[tuple[float, float, float], ...] = ((5.0, 2.0, 60.0), (0.5, 3.0, 100.0),
                                                  (2.0, 1.0, 10.0), (1.0, 1.5, 7.0))


def _delays(make: Callable[..., Any], base: float, factor: float, cap: float,
            ks: range) -> list[float]:
    try:
        delay = make(base, factor, cap)
    except Exception as exc:
        raise StudentError(f"exponential_backoff({base!r}, {factor!r}, {cap!r})", exc) from exc
    if not callable(delay):
        raise RuleFailed(f"exponential_backoff({base!r}, {factor!r}, {cap!r}) returned "
                         f"{delay!r}, not a function of k returning seconds")
    values = []
    for k in ks:
        try:
            value = delay(k)
        except Exception as exc:
            raise StudentError(f"delay({k})", exc) from exc
        values.append(value)
    return values


def _rule_callable(make: Callable[..., Any]) -> None:
    _delays(make, 5.0, 2.0, 60.0, range(1, 2))


def _rule_float(make: Callable[..., Any]) -> None:
    for base, factor, cap in ((5, 2, 60), (5.0, 2.0, 60.0)):
        for k, value in enumerate(_delays(make, base, factor, cap, range(1, 8)), start=1):
            if type(value) is not float:
                raise RuleFailed(f"with base={base!r}, factor={factor!r}, cap={cap!r}, "
                                 f"delay({k}) returned {value!r} ({type(value).__name__}), "
                                 "not a float")


def _rule_first(make: Callable[..., Any]) -> None:
    for base, factor, cap in _CASES:
        first = _delays(make, base, factor, cap, range(1, 2))[0]
        if not math.isclose(first, min(base * factor, cap)):
            raise RuleFailed(
                f"with base={base:g}, factor={factor:g}, cap={cap:g}, delay(1) is {first!r}: "
                "after the first failed trial the breaker should already wait factor times "
                "longer than base"
            )


def _rule_growth(make: Callable[..., Any]) -> None:
    for base, factor, cap in _CASES:
        values = _delays(make, base, factor, cap, range(1, 40))
        for k in range(1, len(values)):
            previous, value = values[k - 1], values[k]
            if previous * factor >= cap:
                break
            if not math.isclose(value, previous * factor):
                raise RuleFailed(
                    f"with base={base:g}, factor={factor:g}, cap={cap:g}: delay({k}) is "
                    f"{previous!r} and delay({k + 1}) is {value!r}; below the cap each step "
                    "should multiply by factor"
                )


def _rule_cap(make: Callable[..., Any]) -> None:
    for base, factor, cap in _CASES:
        values = _delays(make, base, factor, cap, range(1, 60))
        for k, value in enumerate(values, start=1):
            if value > cap * (1 + 1e-12):
                raise RuleFailed(f"with cap={cap:g}, delay({k}) is {value!r}, above the cap")
        if factor > 1 and not math.isclose(values[-1], cap):
            raise RuleFailed(f"with base={base:g}, factor={factor:g}, cap={cap:g}, delay(59) "
                             f"is {values[-1]!r}: a growing delay should reach the cap and "
                             "stay there")


def _rule_huge_k(make: Callable[..., Any]) -> None:
    for k in (1_100, 10**6):
        value = _delays(make, 5.0, 2.0, 60.0, range(k, k + 1))[0]
        if not (isinstance(value, float) and math.isclose(value, 60.0)):
            raise RuleFailed(f"delay({k}) is {value!r}; after that many failed trials it "
                             "should be the cap, 60.0")


def _rule_bad_k(make: Callable[..., Any]) -> None:
    try:
        delay = make(5.0, 2.0, 60.0)
    except Exception as exc:
        raise StudentError("exponential_backoff(5.0, 2.0, 60.0)", exc) from exc
    for k, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError), ("2", TypeError),
                     (True, TypeError)):
        try:
            value = delay(k)
        except error:
            continue
        except Exception as exc:
            raise RuleFailed(f"delay({k!r}) raised {type(exc).__name__}, expected "
                             f"{error.__name__}") from None
        raise RuleFailed(f"delay({k!r}) returned {value!r}; expected {error.__name__}: k counts "
                         "failed trials, an int >= 1")


def _rule_bad_args(make: Callable[..., Any]) -> None:
    bad: tuple[tuple[Any, Any, Any, type[Exception], str], ...] = (
        (0.0, 2.0, 60.0, ValueError, "base"),
        (-1.0, 2.0, 60.0, ValueError, "base"),
        (5.0, 0.5, 60.0, ValueError, "factor"),
        (5.0, 2.0, 1.0, ValueError, "cap"),
        ("5", 2.0, 60.0, TypeError, "base"),
        (5.0, None, 60.0, TypeError, "factor"),
    )
    for base, factor, cap, error, name in bad:
        call = f"exponential_backoff({base!r}, {factor!r}, {cap!r})"
        try:
            make(base, factor, cap)
        except error as exc:
            if name not in str(exc):
                raise RuleFailed(f"{call} raised {error.__name__}({str(exc)!r}), which does "
                                 f"not name the parameter {name!r}") from None
            continue
        except Exception as exc:
            raise RuleFailed(f"{call} raised {type(exc).__name__}, expected "
                             f"{error.__name__}") from None
        raise RuleFailed(f"{call} was accepted; expected {error.__name__} naming {name!r}")


def _rule_breaker(make: Callable[..., Any]) -> None:
    try:
        delay = make(5.0, 2.0, 60.0)
    except Exception as exc:
        raise StudentError("exponential_backoff(5.0, 2.0, 60.0)", exc) from exc
    clock = ManualClock()
    try:
        breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=5.0, backoff=delay,
                                 clock=clock)
    except Exception as exc:
        raise RuleFailed(f"CircuitBreaker(backoff=...) refused it: {describe(exc)}") from None
    periods = []
    breaker.acquire().failure()  # trips: the first open period is recovery_timeout
    for _ in range(7):
        period = breaker.retry_after
        periods.append(period)
        clock.advance(period)
        if breaker.state is not State.HALF_OPEN:
            raise RuleFailed(f"after waiting retry_after ({period:g} s) the breaker was "
                             f"{breaker.state.value}, not half_open")
        breaker.acquire().failure()  # the trial fails: the k-th consecutive failed trial
    shown = ", ".join(f"{p:g}" for p in periods)
    if not math.isclose(periods[0], 5.0) or not all(
        math.isclose(b, min(a * 2.0, 60.0)) for a, b in itertools.pairwise(periods)
    ):
        raise RuleFailed(f"in a breaker (recovery_timeout 5 s, factor 2, cap 60 s) the open "
                         f"periods were {shown} s; each failed trial should double the wait, "
                         "up to the cap")


RULES: tuple[tuple[str, str, Callable[[Callable[..., Any]], None]], ...] = (
    ("returns a function of k",
     "exponential_backoff(base, factor, cap) builds and returns a function; that inner "
     "function takes k and returns seconds.", _rule_callable),
    ("k starts at 1",
     "k is the number of consecutive failed trials, so the first call is delay(1): it "
     "should already be base * factor (the breaker waits `base` seconds before any trial).",
     _rule_first),
    ("grows by factor each step",
     "Below the cap, delay(k + 1) == delay(k) * factor.", _rule_growth),
    ("never above the cap",
     "Take the smaller of the exponential value and the cap.", _rule_cap),
    ("returns float seconds",
     "Return a float even when base, factor and cap are ints: float(...) around the "
     "result.", _rule_float),
    ("survives huge k",
     "factor ** k overflows (OverflowError) or becomes inf for large k. Stop growing once "
     "the cap is reached: compare before computing a huge power, or work with logarithms.",
     _rule_huge_k),
    ("rejects a bad k",
     "k must be an int >= 1: raise TypeError for other types (bool included) and "
     "ValueError for k < 1.", _rule_bad_k),
    ("rejects bad settings",
     "base must be > 0, factor >= 1 and cap >= base, all numbers: raise ValueError or "
     "TypeError naming the parameter.", _rule_bad_args),
    ("works as CircuitBreaker(backoff=...)",
     "The breaker calls backoff(k) after the k-th consecutive failed trial and stays OPEN "
     "that many seconds.", _rule_breaker),
)
"""The properties checked, in order: (name, hint, check)."""

_UNFINISHED = ("Your function still raises NotImplementedError (see the first line above): "
               "write it, then check again.")


def check_backoff(exponential_backoff: Any) -> Feedback:
    """Check ``exponential_backoff(base, factor, cap) -> delay`` against every rule in
    :data:`RULES`; report each, with the hint of the first that failed."""
    if not callable(exponential_backoff):
        return Feedback(False, f"expected your function, got {exponential_backoff!r}.",
                        hint="Pass the function itself: check_backoff(exponential_backoff).",
                        title=_TITLE)
    details = []
    hint = ""
    for name, rule_hint, rule in RULES:
        try:
            rule(exponential_backoff)
        except Exception as exc:  # RuleFailed, StudentError, or student code misbehaving
            details.append(f"✘ {name}: {describe(exc)}")
            if not hint:
                unfinished = isinstance(exc, StudentError) and isinstance(
                    exc.error, NotImplementedError)
                hint = _UNFINISHED if unfinished else rule_hint
        else:
            details.append(f"✔ {name}")
    failed = sum(1 for d in details if d.startswith("✘"))
    passed = failed == 0
    total = len(details)
    message = (f"all {total} rules hold." if passed
               else f"{total - failed} of {total} rules hold.")
    return Feedback(passed, message, hint=hint, details=details, title=_TITLE)
