"""Deterministic discrete-event simulation of traffic through circuit breakers.

Stdlib only. Everything runs on virtual time and draws randomness from one seeded
``random.Random``, so the same seed always gives the same :class:`Timeline`.
"""

from __future__ import annotations

from .timeline import (
    CODE_STATES,
    FAULT_KINDS,
    STATE_CODES,
    FaultWindow,
    Outcome,
    Summary,
    Timeline,
    Transition,
    percentile,
)

__all__ = [
    "CODE_STATES",
    "FAULT_KINDS",
    "STATE_CODES",
    "FaultWindow",
    "Outcome",
    "Summary",
    "Timeline",
    "Transition",
    "percentile",
]
