"""Checkers for the exercise notebooks (``notebooks/exercises/``).

Each ``check_*`` function returns a :class:`Feedback`: passed or not, what was found in
words, and a hint, never the answer. Code exercises are checked by running the student's
code (a policy, a backoff function, breaker settings) through rules and simulations;
questions with one right answer are checked by fingerprint (a salted hash), so the
answers cannot be read off this package. Stdlib, core and simulator only.

========  ===========================  ============================================
exercise  checker                      what the student gives
========  ===========================  ============================================
1         :func:`check_predictions`    predicted states after calls and waits
2         :func:`check_slo`            breaker settings meeting an SLO
3         :func:`check_policy`         a sliding-window ``TripPolicy`` subclass
4         :func:`check_backoff`        ``exponential_backoff(base, factor, cap)``
5         :func:`check_diagnosis`      where a cascade started and why it spread
6         :func:`check_fallback`       what a fallback buys the frontend
========  ===========================  ============================================

``circuit-lab student SRC DEST`` (:mod:`circuit_lab.exercises.student`) makes the
student versions of the instructor notebooks.
"""

from __future__ import annotations

from .backoff import check_backoff
from .diagnosis import check_diagnosis
from .fallback import check_fallback
from .feedback import Feedback
from .policy import check_policy
from .predict import check_predictions
from .slo import check_slo

__all__ = [
    "Feedback",
    "check_backoff",
    "check_diagnosis",
    "check_fallback",
    "check_policy",
    "check_predictions",
    "check_slo",
]
