"""Exercise 1: predict a breaker's state after a sequence of calls and clock advances.

The sequence (shown in the notebook) runs a ``CircuitBreaker(failure_threshold=3,
recovery_timeout=20, success_threshold=2)`` on a ``ManualClock``; the student answers
questions (a)-(h). Answers are checked by fingerprint (see :mod:`._answers`).
"""

from __future__ import annotations

from typing import Any

from ._answers import Question, check_answers
from .feedback import Feedback

__all__ = ["QUESTIONS", "check_predictions"]

_TITLE = "Exercise 1 (predict the state)"

QUESTIONS: tuple[Question, ...] = (
    Question("a", "state after fail, fail, succeed, fail, fail", "state",
             "478e602e38dcb4861e7499d8079505c22ae1fc39c0784d2ac49b6e320be1a878",
             "A success resets the count of consecutive failures: count only the failures "
             "after the last success, then compare with failure_threshold."),
    Question("b", "state after one more failure", "state",
             "70d7ca379bc43a64f02660e14f52d9e34545fae7f726c40ed2800b24f6226bb7",
             "How many consecutive failures are there now, and what is failure_threshold?"),
    Question("c", "retry_after after waiting 15 s", "seconds",
             "5567aa7b79713bb3c635f120f51a2878903cfec08d0e19efd12a36cda537113b",
             "retry_after is the time left until a trial is allowed: the open period "
             "minus the time already waited, in seconds."),
    Question("d", "state after waiting 5 s more", "state",
             "b45f3f0b2ddd89b0de39d64f4908fab1b73a02585d5f81beaf3d44ceee8ea28a",
             "Nothing runs in the background, but when you look after recovery_timeout "
             "has passed, the breaker has moved on: to which state?"),
    Question("e", "state after one trial call succeeds", "state",
             "efc3434e9c391df9134fe2dfae3c9abbb65f14a07f0dce00a6fa6223fe119760",
             "Read success_threshold: how many trial successes does it take to close?"),
    Question("f", "state after the next trial call fails", "state",
             "97fe642b8707859cb72e5b919ec304e0fed7af82be7be010109db9b7ed31981d",
             "In HALF_OPEN, what does a single failed trial do, however many succeeded "
             "before it?"),
    Question("g", "retry_after right after that failure", "seconds",
             "997dac278fa747010839fdc16dcc589842e308bf1b21adba5c254db6dd480f4d",
             "A failed trial starts a new open period. No backoff is set: how long is "
             "that period?"),
    Question("h", "state after waiting 20 s, then two successful trials", "state",
             "d92decfc17b30ce088a25f1e271d1d6ade8fa855a7c424ae30ceba9de006ee11",
             "Wait out the open period first, then count the trial successes against "
             "success_threshold."),
)
"""Questions (a)-(h): prompts, fingerprints and hints (no answers)."""


def check_predictions(answers: Any) -> Feedback:
    """Check ``answers``, a dict ``{"a": ..., ..., "h": ...}``: states as
    ``"closed"``/``"open"``/``"half_open"`` (or :class:`~circuit_lab.State`), ``c`` and
    ``g`` as seconds. Says which answers are right and hints at the first wrong one."""
    return check_answers("ex1", _TITLE, QUESTIONS, answers)
