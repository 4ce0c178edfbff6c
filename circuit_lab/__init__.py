"""circuit_lab: the circuit-breaker resilience pattern, to learn and to use.

The core imported here is the standard library only. The simulator lives in
:mod:`circuit_lab.sim`, charts in :mod:`circuit_lab.viz` (matplotlib), notebook
controls in :mod:`circuit_lab.widgets` (ipywidgets).

>>> from circuit_lab import CircuitBreaker, ManualClock
>>> clock = ManualClock()
>>> breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=10, clock=clock)
>>> breaker.state
<State.CLOSED: 'closed'>
"""

from .breaker import CircuitBreaker, CircuitBreakerError, Metrics, Permit
from .clock import Clock, ManualClock
from .events import (
    CallFailed,
    CallIgnored,
    CallRejected,
    CallSucceeded,
    Event,
    State,
    StateChanged,
)
from .policies import ConsecutiveFailures, FailureRate, TripPolicy

__version__ = "0.1.0"

__all__ = [
    "CallFailed",
    "CallIgnored",
    "CallRejected",
    "CallSucceeded",
    "CircuitBreaker",
    "CircuitBreakerError",
    "Clock",
    "ConsecutiveFailures",
    "Event",
    "FailureRate",
    "ManualClock",
    "Metrics",
    "Permit",
    "State",
    "StateChanged",
    "TripPolicy",
    "__version__",
]
