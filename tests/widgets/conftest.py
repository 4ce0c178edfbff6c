from __future__ import annotations

import logging

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _quiet_breaker_logs() -> None:
    """Breaker transitions are logged at WARNING; the simulations make many."""
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)
