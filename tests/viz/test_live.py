"""Live use with ipympl (``%matplotlib widget``): the canvas is a widget, figures are
created with interactive mode off, updates redraw in place."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pytest

from circuit_lab.sim.simulation import Simulation
from circuit_lab.viz import StateDiagram, TimelineChart

pytest.importorskip("ipympl")

# ipympl's toolbar trips a traitlets deprecation warning of its own
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")


@pytest.fixture
def ipympl_backend() -> Iterator[None]:
    before = plt.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    try:
        yield
    finally:
        plt.close("all")
        plt.switch_backend(before)


@pytest.mark.usefixtures("ipympl_backend")
def test_live_chart_is_an_ipympl_widget_updated_in_place() -> None:
    from ipympl.backend_nbagg import Canvas

    sim = Simulation("outage", seed=0, duration=30.0, outage_start=8.0)
    chart = TimelineChart(sim.timeline, window=15.0, live=True)
    assert isinstance(chart.canvas, Canvas)
    assert chart.canvas.header_visible is False
    assert plt.get_fignums() == [chart.figure.number]
    axes = list(chart.figure.axes)
    for _ in range(4):
        sim.advance(4.0)
        chart.update(sim.timeline)  # draw_idle on the widget canvas
    chart.canvas.draw()
    assert list(chart.figure.axes) == axes
    assert plt.get_fignums() == [chart.figure.number]
    pixels = np.asarray(chart.canvas.buffer_rgba())
    assert pixels.shape == (400, 800, 4) and pixels[:, :, :3].std() > 20
    diagram = StateDiagram(live=True)
    diagram.update("open")
    assert isinstance(diagram.canvas, Canvas)
