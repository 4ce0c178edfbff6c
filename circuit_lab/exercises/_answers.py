"""Questions checked by fingerprint: the checker stores a salted hash of each right
answer, never the answer itself, and compares the hash of the student's answer.

A fingerprint only stops *reading* the answer off the source; a question with four
choices can still be guessed in four tries, which is why each wrong answer gets a hint
that teaches rather than a bare "wrong".
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .feedback import Feedback

__all__ = ["KINDS", "Question", "check_answers", "fingerprint", "normalize"]

KINDS = ("state", "choice", "int", "seconds", "whole_seconds", "service")
"""How answers of a question are normalised before hashing (see :func:`normalize`)."""

_STATES = {"closed": "closed", "open": "open", "half_open": "half_open", "halfopen": "half_open"}


def normalize(kind: str, value: Any) -> str:
    """The canonical text of answer ``value`` for a question of ``kind``.

    ``state``: a :class:`~circuit_lab.State` or its name in any case ("half-open",
    "HALF_OPEN"); ``choice``: a letter, case-insensitive; ``service``: a service name;
    ``int``: an integer (an integral float is accepted); ``seconds``: a number, rounded
    to 0.1 s; ``whole_seconds``: a number, rounded to the nearest second. Raises
    ``TypeError``/``ValueError`` saying what was expected.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind in ("state", "choice", "service"):
        if isinstance(value, Enum):
            value = value.value
        if not isinstance(value, str):
            raise TypeError(f"expected a {kind} as text, got {value!r}")
        text = value.strip().strip("'\".").lower().replace("-", "_").replace(" ", "_")
        if kind == "state":
            text = text.removeprefix("state.")
            if text not in _STATES:
                raise ValueError(f"expected 'closed', 'open' or 'half_open', got {value!r}")
            return _STATES[text]
        return text
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    if kind == "int":
        if number != int(number):
            raise ValueError(f"expected a whole number, got {value!r}")
        return str(int(number))
    if kind == "whole_seconds":
        return str(round(number))
    return f"{round(number, 1):.1f}"


def fingerprint(exercise: str, key: str, kind: str, value: Any) -> str:
    """A salted SHA-256 (hex) of the normalised answer ``value`` to question ``key``
    of ``exercise``. Raises as :func:`normalize`."""
    text = f"circuit_lab/exercises/{exercise}/{key}/{normalize(kind, value)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Question:
    """One question: its ``key`` in the answers mapping, a short ``prompt``, the
    ``kind`` of answer, the ``digest`` of the right answer, the ``choices`` allowed
    (for ``choice`` and ``service``; empty otherwise) and the ``hint`` shown when the
    answer is wrong."""

    key: str
    prompt: str
    kind: str
    digest: str
    hint: str
    choices: tuple[str, ...] = ()


def check_answers(
    exercise: str, title: str, questions: Sequence[Question], answers: Any
) -> Feedback:
    """Compare ``answers`` (a mapping key -> answer) with ``questions`` by fingerprint;
    one detail line per question, the hint of the first wrong one."""
    if not isinstance(answers, Mapping):
        return Feedback(False, f"answers must be a dict of your answers, got {answers!r}.",
                        hint="Fill in the dict in the cell above, e.g. answers['a'] = ...",
                        title=title)
    keys = [q.key for q in questions]
    unknown = sorted(str(k) for k in answers if k not in keys)
    details: list[str] = []
    hints: list[str] = []
    right = 0
    for q in questions:
        if q.key not in answers or answers[q.key] is None:
            details.append(f"({q.key}) {q.prompt}: no answer yet")
            hints.append(f"Answer ({q.key}) first.")
            continue
        given = answers[q.key]
        try:
            text = normalize(q.kind, given)
        except (TypeError, ValueError) as exc:
            details.append(f"({q.key}) {q.prompt}: cannot read {given!r} ({exc})")
            hints.append(_format_hint(q))
            continue
        if q.choices and text not in q.choices:
            shown = [c.upper() if q.kind == "choice" else c for c in q.choices]
            details.append(f"({q.key}) {q.prompt}: {given!r} is not one of "
                           f"{', '.join(shown)}")
            hints.append(_format_hint(q))
            continue
        if fingerprint(exercise, q.key, q.kind, given) == q.digest:
            right += 1
            details.append(f"({q.key}) {q.prompt}: right")
        else:
            details.append(f"({q.key}) {q.prompt}: not right yet")
            hints.append(f"({q.key}) {q.hint}")
    if unknown:
        details.append(f"ignored unknown keys: {', '.join(unknown)} (expected {', '.join(keys)})")
    passed = right == len(questions)
    message = (f"all {right} answers are right." if passed
               else f"{right} of {len(questions)} answers are right.")
    return Feedback(passed, message, hint=hints[0] if hints else "", details=details,
                    title=title)


def _format_hint(q: Question) -> str:
    allowed = {
        "state": "one of 'closed', 'open', 'half_open'",
        "choice": f"one of the letters {', '.join(c.upper() for c in q.choices)}",
        "service": f"one of {', '.join(repr(c) for c in q.choices)}",
        "int": "a whole number",
        "seconds": "a number of seconds",
        "whole_seconds": "a number of seconds",
    }[q.kind]
    return f"({q.key}) expects {allowed}."
