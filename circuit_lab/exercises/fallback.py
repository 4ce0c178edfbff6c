"""Exercise 6: what a fallback buys the frontend, with and without breakers.

The student runs the ``cascade`` scenario on :data:`SEED` four times (breakers on/off x
fallback on/off), reports the frontend's success rate of each run, the number of
frontend answers that relied on a fallback, and explains the difference (a choice
checked by fingerprint). The checker reruns the simulations itself and compares the
numbers: nothing is stored.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

from circuit_lab.sim import run_scenario

from ._answers import Question, check_answers
from .feedback import Feedback

__all__ = ["RUNS", "SEED", "WHY", "check_fallback", "frontend_summary"]

_TITLE = "Exercise 6 (what a fallback buys)"

SEED = 11
"""The seed every run of this exercise uses."""

RUNS: Mapping[str, tuple[bool, bool]] = {
    "breakers": (True, False),
    "breakers+fallback": (True, True),
    "neither": (False, False),
    "fallback": (False, True),
}
"""The four runs by name: ``(breaker, fallback)`` settings of the cascade scenario."""

WHY = Question(
    "why", "why the fallback buys more with breakers", "choice",
    "e22759eabb1b41e56f91abdc54cb625c7d86d8905f8ea32d9f365e840345a97a",
    "Where does the time go before a fallback is served, with and without a breaker? "
    "Compare the frontend's timeouts and p99 latency in the two runs with a fallback.",
    ("a", "b", "c", "d"),
)
"""The explanation question (a letter), checked by fingerprint."""

_TOLERANCE = 0.0005  # a rate rounded to 4 decimals (or to 0.01 %) still matches


@functools.lru_cache(maxsize=8)
def frontend_summary(breaker: bool, fallback: bool, seed: int = SEED) -> tuple[float, int]:
    """(success rate, degraded answers) of the frontend in the cascade scenario."""
    s = run_scenario("cascade", seed, breaker=breaker, fallback=fallback).summary("frontend")
    return s.success_rate, s.degraded


def check_fallback(rates: Any, degraded: Any, why: Any) -> Feedback:
    """Check ``rates`` (a dict run name -> frontend success rate as a fraction, for every
    name in :data:`RUNS`), ``degraded`` (frontend answers served thanks to a fallback in
    the "breakers+fallback" run) and ``why`` (a letter) against fresh simulations."""
    if not isinstance(rates, Mapping):
        return Feedback(False, f"rates must be a dict of the four runs, got {rates!r}.",
                        hint=f"Use the keys {', '.join(RUNS)}.", title=_TITLE)
    details: list[str] = []
    hints: list[str] = []
    for name, (breaker, fallback) in RUNS.items():
        expected, _ = frontend_summary(breaker, fallback)
        got = rates.get(name)
        label = f"success rate, {name}"
        if got is None:
            details.append(f"{label}: no value yet")
            hints.append(f"Run the cascade with breaker={breaker}, fallback={fallback} on "
                         f"seed {SEED} and put the frontend's success rate under {name!r}.")
        elif isinstance(got, bool) or not isinstance(got, (int, float)) or math.isnan(got):
            details.append(f"{label}: {got!r} is not a number")
            hints.append("Give each rate as a number, e.g. summary.success_rate.")
        elif math.isclose(got, expected, abs_tol=_TOLERANCE):
            details.append(f"{label}: {got:.2%}, matches the simulation")
        elif 1 < got <= 100 and math.isclose(got / 100, expected, abs_tol=_TOLERANCE):
            details.append(f"{label}: {got!r} looks like a percentage")
            hints.append("Give rates as fractions between 0 and 1, not percentages.")
        else:
            details.append(f"{label}: {got!r} does not match the simulation")
            hints.append(f"For {name!r}: is it the frontend's row, seed {SEED}, "
                         f"breaker={breaker}, fallback={fallback}, and success_rate (not "
                         "the share of failures)?")
    _, expected_degraded = frontend_summary(True, True)
    if isinstance(degraded, float) and degraded.is_integer():
        degraded = int(degraded)
    if isinstance(degraded, bool) or not isinstance(degraded, int):
        details.append(f"degraded answers: {degraded!r} is not a whole number")
        hints.append("degraded is a count of frontend answers: summary.degraded.")
    elif degraded == expected_degraded:
        details.append(f"degraded answers: {degraded}, matches the simulation")
    else:
        details.append(f"degraded answers: {degraded} does not match the simulation")
        hints.append("Count the frontend's answers served thanks to a fallback in the "
                     "'breakers+fallback' run (the fallback column of compare_table).")
    why_feedback = check_answers("ex6", _TITLE, (WHY,), {"why": why})
    details.extend(why_feedback.details)
    if not why_feedback.passed:
        hints.append(why_feedback.hint)
    passed = not hints
    if passed:
        (with_b, _), (without_b, _) = frontend_summary(True, True), frontend_summary(True, False)
        message = (f"right: with breakers, the fallback takes the frontend from "
                   f"{without_b:.2%} to {with_b:.2%} success.")
    else:
        message = f"{len(hints)} of {len(RUNS) + 2} answers need another look."
    return Feedback(passed, message, hint=hints[0] if hints else "", details=details,
                    title=_TITLE)
