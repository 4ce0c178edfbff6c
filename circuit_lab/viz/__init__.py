"""Charts of simulation timelines (matplotlib; the only layer that imports it).

- :class:`TimelineChart`: state band, binned outcomes, rolling failure rate with the
  trip threshold, transition reasons and fault windows; ``update(timeline)`` in place.
- :func:`plot_timeline`: the same as a static :class:`~matplotlib.figure.Figure`.
- :class:`StateDiagram`: the three states and the rules between them, current state
  highlighted; ``update(state)``.
- :func:`compare` / :class:`ComparisonChart`: timelines stacked on a shared time axis.
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
