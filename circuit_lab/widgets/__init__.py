"""Interactive widgets (ipywidgets) composing the simulator and the charts.

Thin wiring only: the rules live in :mod:`circuit_lab` (the breaker), the numbers in
:mod:`circuit_lab.sim` and the pictures in :mod:`circuit_lab.viz`. Each widget is an
``ipywidgets.VBox``, so a notebook cell ending with it shows it.

- :class:`Playground`: a seeded scenario with breaker sliders, fault controls and
  Step (1 s of virtual time) / Run / Reset driving the live chart and state diagram.
- :class:`StateMachineExplorer`: "call succeeds", "call fails", "wait 1 s" on one real
  breaker with a manual clock, and its state diagram.
"""

from __future__ import annotations

from .explorer import StateMachineExplorer
from .playground import FPS, STEP_SECONDS, Playground

__all__ = ["FPS", "STEP_SECONDS", "Playground", "StateMachineExplorer"]
