"""Exercise 5: read a cascade timeline; say where the failure started and why it spread.

The runs are ``cascade_comparison(seed=SEED, **SCENARIO)`` (frontend -> orders ->
payments, with and without breakers). Answers are service names, choice letters and
numbers read off the timelines, checked by fingerprint (see :mod:`._answers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._answers import Question, check_answers
from .feedback import Feedback

__all__ = ["QUESTIONS", "SCENARIO", "SEED", "check_diagnosis"]

_TITLE = "Exercise 5 (diagnose the cascade)"

SEED = 13
"""The seed of the runs to diagnose."""

SCENARIO: Mapping[str, Any] = {"slow_start": 25.0, "slow_duration": 35.0, "duration": 90.0}
"""Parameters of the ``cascade`` scenario for this exercise."""

_SERVICES = ("frontend", "orders", "payments")
_LETTERS = ("a", "b", "c", "d")

QUESTIONS: tuple[Question, ...] = (
    Question("a", "the service where the failure started", "service",
             "fb48911a78a5ccd97eb66017e6e10d75f0b46d97e7d7ff916deb2a664866c7d6",
             "Look at timeline.faults (or the shaded band in the chart): which service "
             "did the fault hit? The others only suffered from it.", _SERVICES),
    Question("b", "what went wrong there", "choice",
             "2139778a6366d59af4ff91aa900fb0f4c77c1033c0b81cb98048e46be9031acb",
             "A FaultWindow has a kind and a label; read them, then compare with each "
             "choice.", _LETTERS),
    Question("c", "when users first felt it (s)", "whole_seconds",
             "c7c6f298bdc1645040756bd53fb1cef38fd147fbc4c03bf812768b6723201ca3",
             "Find the frontend's first TIMEOUT row: select rows by timeline.service "
             "(an index into timeline.services) and timeline.outcome (Outcome.TIMEOUT). "
             "A row's time is when the attempt was issued; it timed out at time + latency.",
             ()),
    Question("d", "why it spread to the frontend", "choice",
             "2369449f8fc9ccbf38a9f545ab728ad8e2e4de4c812854cc64366b7e5670856c",
             "Were there errors in the run without breakers, or timeouts? A service calls "
             "the next one while holding one of its workers: what happens to those workers "
             "when the next service is slow?", _LETTERS),
    Question("e", "frontend attempts that timed out without breakers", "int",
             "3f42f7928052f608e59325ca67a1572e8f5afff957ce2085b44440e9c535066f",
             "Read the timeouts column of the frontend row for the run without breakers "
             "(or timeline.summary('frontend').timeouts).", ()),
    Question("f", "the breaker that opened first (with breakers)", "service",
             "9b3d0679b1f9b98c257f16577d7e278ddc4a7a050bbe2316856ed66f5bf8145f",
             "Print transition_log(runs['with breakers']) and read the first line; a "
             "breaker is named after the service it guards calls to.", ("orders", "payments")),
)
"""Questions (a)-(f): prompts, fingerprints, allowed choices and hints (no answers)."""


def check_diagnosis(answers: Any) -> Feedback:
    """Check ``answers``, a dict ``{"a": ..., ..., "f": ...}``: service names for
    (a) and (f), letters for (b) and (d), whole seconds for (c), a count for (e). Says which
    answers are right and hints at the first wrong one."""
    return check_answers("ex5", _TITLE, QUESTIONS, answers)
