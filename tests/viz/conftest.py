"""Chart tests run headless on the Agg backend, with the breaker's logs quiet."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from circuit_lab.sim.timeline import Timeline

from .timelines import make_timeline


@pytest.fixture(autouse=True)
def _quiet_and_closed() -> Iterator[None]:
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def outage_timeline() -> Timeline:
    """60 s at 100 requests/s: an outage (15-32 s, left open by nothing) and a 35%
    error-rate window (42-50 s) through a 5-consecutive-failures breaker."""
    return make_timeline()


@pytest.fixture(scope="session")
def rate_timeline() -> Timeline:
    """The same traffic through a failure-rate policy (50% over 5 s)."""
    return make_timeline(rate_policy=True)
