"""Exercise 3: a sliding-window failure-rate trip policy, written by the student.

The student subclasses :class:`circuit_lab.TripPolicy` as
``SlidingWindowFailureRate(threshold, window)``: trip when at least ``threshold`` of the
last ``window`` calls failed, deciding only once the window is full. The checker runs the
class through short call sequences, one rule each, then through a real
:class:`~circuit_lab.CircuitBreaker` on random sequences, comparing its behaviour with
the core's :class:`~circuit_lab.FailureRate` (``window=``), and names the first rule
that failed with a hint. It never shows an implementation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from circuit_lab import CircuitBreaker, FailureRate, ManualClock, State, TripPolicy

from ._student_code import RuleFailed, StudentError, describe, invoke
from .feedback import Feedback

__all__ = ["RULES", "check_policy"]

_TITLE = "Exercise 3 (sliding-window policy)"


def _make(cls: Any, threshold: Any, window: Any) -> Any:
    try:
        return cls(threshold, window)
    except Exception as exc:
        raise StudentError(f"{cls.__name__}({threshold!r}, {window!r})", exc) from exc


def _feed(policy: Any, calls: str, start: float = 0.0) -> list[bool]:
    """Feed ``calls`` ("S" success, "F" failure) one second apart, as a CLOSED breaker
    does; return the verdict of ``should_trip`` after each failure."""
    verdicts = []
    for i, c in enumerate(calls):
        now = start + i
        if c == "S":
            invoke(policy, "record_success", now)
        else:
            invoke(policy, "record_failure", now)
            verdict = invoke(policy, "should_trip", now)
            if not isinstance(verdict, bool):
                raise RuleFailed(f"should_trip({now!r}) returned {verdict!r}, not True or False")
            verdicts.append(verdict)
    return verdicts


def _expect(cls: Any, threshold: float, window: int, calls: str, trips: bool, why: str) -> None:
    policy = _make(cls, threshold, window)
    verdict = _feed(policy, calls)[-1]
    if verdict != trips:
        said = "trip" if verdict else "not trip"
        raise RuleFailed(
            f"with threshold={threshold}, window={window}, after the calls {_spell(calls)} "
            f"should_trip said {said}, but {why}"
        )


def _spell(calls: str) -> str:
    return " ".join("fail" if c == "F" else "ok" for c in calls)


# -- the rules, easiest first --------------------------------------------------------------


def _rule_full_window(cls: Any) -> None:
    _expect(cls, 0.5, 4, "FFF", False,
            "the window holds only 3 of its 4 calls, too few to decide")
    _expect(cls, 0.5, 1, "F", True, "a window of 1 call is full after one call")


def _rule_threshold(cls: Any) -> None:
    _expect(cls, 0.5, 4, "SSFF", True, "2 of the last 4 calls failed (50 %), which reaches 0.5")
    _expect(cls, 0.5, 4, "SSSF", False, "only 1 of the last 4 calls failed (25 %)")
    _expect(cls, 0.6, 5, "SSFFF", True, "3 of the last 5 calls failed (60 %), which reaches 0.6")


def _rule_successes_count(cls: Any) -> None:
    _expect(cls, 0.5, 4, "FSFFSF", True,
            "the last 4 calls are fail fail ok fail: 75 % failed; a success does not "
            "reset the window")


def _rule_slides(cls: Any) -> None:
    _expect(cls, 0.5, 4, "FFFSSSSF", False,
            "only the last 4 calls count (ok ok ok fail: 25 %); older failures have left")
    _expect(cls, 0.5, 4, "SSSSFF", True,
            "only the last 4 calls count (ok ok fail fail: 50 %); older successes have left")


def _rule_reset(cls: Any) -> None:
    policy = _make(cls, 0.5, 4)
    _feed(policy, "FFFF")
    invoke(policy, "reset")
    if _feed(policy, "F", start=10.0)[-1]:
        raise RuleFailed("after four failures and reset(), one more failure tripped it: "
                         "reset() must forget every recorded call")
    policy = _make(cls, 0.5, 4)
    _feed(policy, "SFFF")
    invoke(policy, "reset")
    rate = invoke(policy, "failure_rate", 20.0)
    if rate != 0.0:
        raise RuleFailed(f"failure_rate after reset() is {rate!r}, not 0.0")


def _rule_failure_rate(cls: Any) -> None:
    cases = [("", 0.0), ("SF", 0.5), ("SFFF", 0.75), ("SFSSS", 0.25)]
    for calls, rate in cases:
        policy = _make(cls, 0.5, 4)
        _feed(policy, calls)
        got = invoke(policy, "failure_rate", float(len(calls)))
        if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isclose(
            got, rate, abs_tol=1e-9
        ):
            shown = _spell(calls) if calls else "no calls at all"
            raise RuleFailed(
                f"with window=4, after {shown}, failure_rate returned {got!r}; it should be "
                f"{rate:g} (failures / calls over the window, 0.0 when empty)"
            )


def _rule_validation(cls: Any) -> None:
    bad: list[tuple[Any, Any, type[Exception], str]] = [
        (0.0, 4, ValueError, "threshold"),
        (1.5, 4, ValueError, "threshold"),
        ("half", 4, TypeError, "threshold"),
        (0.5, 0, ValueError, "window"),
        (0.5, 2.5, TypeError, "window"),
        (0.5, True, TypeError, "window"),
    ]
    for threshold, window, error, name in bad:
        try:
            cls(threshold, window)
        except error as exc:
            if name not in str(exc):
                raise RuleFailed(
                    f"{cls.__name__}({threshold!r}, {window!r}) raised {error.__name__}"
                    f"({str(exc)!r}), which does not name the parameter {name!r}"
                ) from None
            continue
        except Exception as exc:
            raise RuleFailed(
                f"{cls.__name__}({threshold!r}, {window!r}) raised {type(exc).__name__}, "
                f"expected {error.__name__}"
            ) from None
        raise RuleFailed(
            f"{cls.__name__}({threshold!r}, {window!r}) was accepted; expected "
            f"{error.__name__} naming {name!r}"
        )
    for threshold, window in [(1.0, 1), (0.01, 100), (1, 3)]:
        _make(cls, threshold, window)


def _rule_breaker(cls: Any) -> None:
    clock = ManualClock()
    policy = _make(cls, 0.5, 4)
    try:
        breaker = CircuitBreaker(policy=policy, recovery_timeout=10, clock=clock)
    except Exception as exc:
        raise RuleFailed(f"CircuitBreaker(policy=...) refused it: {describe(exc)}") from None
    steps = [("F", State.CLOSED), ("F", State.CLOSED), ("S", State.CLOSED),
             ("F", State.OPEN)]
    for outcome, state in steps:
        _breaker_call(breaker, outcome)
        if breaker.state is not state:
            raise RuleFailed(f"in a breaker, after fail fail ok fail the state was "
                             f"{breaker.state.value}, expected {state.value}")
    clock.advance(10)
    _breaker_call(breaker, "S")
    _breaker_call(breaker, "F")
    if breaker.state is not State.CLOSED:
        raise RuleFailed("in a breaker that closed again after a trial, one failure "
                         "opened it: the breaker calls reset() when it closes, and the "
                         "window must start empty")


def _breaker_call(breaker: CircuitBreaker, outcome: str) -> None:
    try:
        permit = breaker.acquire()
        if outcome == "S":
            permit.success()
        else:
            permit.failure()
    except StudentError:
        raise
    except Exception as exc:
        raise StudentError("a call through the breaker", exc) from exc


def _random_sequences(cls: Any, count: int) -> None:
    rng = random.Random(8)
    for run in range(count):
        threshold = rng.choice([0.2, 0.25, 0.3, 0.5, 0.6, 0.7, 0.75, 0.9, 1.0])
        window = rng.randint(1, 12)
        p_fail = rng.random()
        clock = ManualClock()
        mine = CircuitBreaker(policy=_make(cls, threshold, window), recovery_timeout=5,
                              clock=clock)
        ref = CircuitBreaker(policy=FailureRate(threshold, window=window), recovery_timeout=5,
                             clock=clock)
        history = []
        for _ in range(40):
            if ref.state is State.OPEN:
                clock.advance(5)
                history.append("wait 5 s")
            outcome = "F" if rng.random() < p_fail else "S"
            history.append("fail" if outcome == "F" else "ok")
            _breaker_call(mine, outcome)
            _breaker_call(ref, outcome)
            clock.advance(0.1)
            if mine.state is not ref.state:
                shown = " ".join(history[-12:])
                more = "... " if len(history) > 12 else ""
                raise RuleFailed(
                    f"random sequence {run + 1} (threshold={threshold}, window={window}): "
                    f"after {more}{shown} your breaker was {mine.state.value}, "
                    f"expected {ref.state.value}"
                )


_UNFINISHED = ("Some methods still raise NotImplementedError (see the first line above): "
               "write them, then check again.")

RULES: tuple[tuple[str, str, Callable[[Any], None]], ...] = (
    ("waits for a full window",
     "Decide only once the window holds `window` calls: one failure out of one call is "
     "not a 100 % failure rate.", _rule_full_window),
    ("successes stay in the window",
     "A success is one of the last `window` calls; it does not reset anything "
     "(that would be the consecutive-failures rule).", _rule_successes_count),
    ("trips at the threshold",
     "Trip when failures / calls >= threshold: reaching the threshold is enough (>=, not "
     ">), and staying below it is not.", _rule_threshold),
    ("old calls slide out",
     "Keep only the last `window` outcomes: when the window is full, the oldest leaves as "
     "a new one arrives, and its failure stops counting.", _rule_slides),
    ("reset() forgets everything",
     "The breaker calls reset() each time it closes; afterwards the window must be empty "
     "(no calls, no failures).", _rule_reset),
    ("failure_rate(now) reports the window",
     "Return failures / calls over the current window as a float, and 0.0 when the "
     "window is empty.", _rule_failure_rate),
    ("rejects bad arguments",
     "threshold must be a number in (0, 1], window an int >= 1 (not a bool); raise "
     "ValueError for a bad value and TypeError for a bad type, naming the parameter, "
     "e.g. ValueError(f'window must be an int >= 1, got {window!r}').", _rule_validation),
    ("works inside a CircuitBreaker",
     "Pass an instance as CircuitBreaker(policy=...). The breaker calls record_success / "
     "record_failure, should_trip after each failure, and reset() when it closes.",
     _rule_breaker),
)
"""The rules in the order they are checked: (name, hint, check)."""


def check_policy(policy_class: Any, *, thorough: bool = False) -> Feedback:
    """Check ``policy_class``, a :class:`~circuit_lab.TripPolicy` subclass taking
    ``(threshold, window)``: each of :data:`RULES`, then random call sequences through
    a real breaker against the core's ``FailureRate`` (40, or 300 if ``thorough``).
    Reports every rule, with the hint of the first that failed."""
    if not isinstance(policy_class, type):
        return Feedback(False, f"expected your class itself, got {policy_class!r}.",
                        hint="Pass the class, not an instance: "
                             "check_policy(SlidingWindowFailureRate).", title=_TITLE)
    if not issubclass(policy_class, TripPolicy):
        return Feedback(False, f"{policy_class.__name__} is not a TripPolicy.",
                        hint="Subclass it: class SlidingWindowFailureRate(TripPolicy): ...",
                        title=_TITLE)
    if issubclass(policy_class, FailureRate):
        return Feedback(False, f"{policy_class.__name__} subclasses the core's FailureRate.",
                        hint="Write the window yourself: subclass TripPolicy, not FailureRate.",
                        title=_TITLE)
    details = []
    hint = ""
    for name, rule_hint, rule in (*RULES, ("matches the rule on random call sequences",
                                           "Check each rule above on the sequence shown; the "
                                           "last calls are where your breaker differed.",
                                           lambda c: _random_sequences(c, 300 if thorough
                                                                       else 40))):
        try:
            rule(policy_class)
        except Exception as exc:  # RuleFailed, StudentError, or student code misbehaving
            details.append(f"✘ {name}: {describe(exc)}")
            if not hint:
                unfinished = isinstance(exc, StudentError) and isinstance(
                    exc.error, NotImplementedError)
                hint = (_UNFINISHED if unfinished else rule_hint)
        else:
            details.append(f"✔ {name}")
    failed = sum(1 for d in details if d.startswith("✘"))
    total = len(details)
    passed = failed == 0
    message = (f"all {total} rules hold." if passed
               else f"{total - failed} of {total} rules hold.")
    return Feedback(passed, message, hint=hint, details=details, title=_TITLE)
