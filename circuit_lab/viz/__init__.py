"""Charts of simulation timelines (matplotlib; the only layer that imports it).

- :class:`TimelineChart`: state band, binned outcomes, rolling failure rate with the
  trip threshold, transition reasons and fault windows; ``update(timeline)`` in place.
- :func:`plot_timeline`: the same as a static :class:`~matplotlib.figure.Figure`.
- :class:`StateDiagram`: the three states and the rules between them, current state
  highlighted; ``update(state)``.
- :func:`compare` / :class:`ComparisonChart`: timelines stacked on a shared time axis.
- :func:`png_bytes`: a figure as PNG bytes (``IPython.display.Image(png_bytes(fig))``
  shows a static picture that survives without a kernel, whatever the backend).

Static (headless, never registered with pyplot)::

    fig = plot_timeline(run_scenario("outage", seed=0), title="outage")
    fig.savefig("outage.png")                      # 800 x 400 px

Live (JupyterLab with ``%matplotlib widget``)::

    chart = TimelineChart(sim.timeline, window=30.0, live=True)
    display(chart.canvas)                          # the ipympl widget, shown once
    sim.advance(0.5); chart.update(sim.timeline)   # artists changed in place, draw_idle()

Drawing is layered: the static parts (frames, labels, legend) are rendered once per
canvas size and reused; every ``canvas.draw()`` restores them and draws only the data
artists (see :class:`~circuit_lab.viz._figure.LayeredFigure`). Saving a file always
draws everything.
"""

from __future__ import annotations

from ._figure import png_bytes
from .chart import ComparisonChart, TimelineChart, compare, plot_timeline
from .diagram import StateDiagram

__all__ = [
    "ComparisonChart",
    "StateDiagram",
    "TimelineChart",
    "compare",
    "plot_timeline",
    "png_bytes",
]
