"""Deterministic discrete-event simulation of traffic through circuit breakers.

Stdlib only. Everything runs on virtual time and draws randomness from one seeded
``random.Random``, so the same seed always gives the same :class:`Timeline`. The real
:class:`circuit_lab.CircuitBreaker` guards every simulated call (``acquire()`` and the
permit), reading the simulation's virtual clock.

>>> from circuit_lab.sim import Simulation, run_scenario
>>> run_scenario("outage", seed=1, duration=20.0, outage_start=5.0).summary().trips >= 1
True
"""

from __future__ import annotations

from .cascade import Hop, build_chain
from .client import Client
from .engine import BREAKER_SETTINGS, Engine, FaultChange, Model, VirtualClock
from .scenarios import (
    SCENARIOS,
    Scenario,
    build_model,
    cascade_comparison,
    parameters,
    run_scenario,
)
from .service import Service
from .simulation import Simulation
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
from .traffic import Bursts, Peak, Traffic

__all__ = [
    "BREAKER_SETTINGS",
    "CODE_STATES",
    "FAULT_KINDS",
    "SCENARIOS",
    "STATE_CODES",
    "Bursts",
    "Client",
    "Engine",
    "FaultChange",
    "FaultWindow",
    "Hop",
    "Model",
    "Outcome",
    "Peak",
    "Scenario",
    "Service",
    "Simulation",
    "Summary",
    "Timeline",
    "Traffic",
    "Transition",
    "VirtualClock",
    "build_chain",
    "build_model",
    "cascade_comparison",
    "parameters",
    "percentile",
    "run_scenario",
]
