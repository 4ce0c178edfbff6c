"""``circuit-lab simulate ... --plot FILE``: the picture of a finished run."""

from __future__ import annotations

from typing import Any

from .chart import ComparisonChart, TimelineChart


def write_plot(timeline: Any, path: str, *, title: str | None = None) -> None:
    """Write the chart of ``timeline`` to ``path`` (format from the extension: png, svg,
    pdf...). One service: an 800 x 400 px timeline chart; several (a cascade): one
    panel per service on a shared time axis. Raises ``OSError`` if it cannot write."""
    services = tuple(timeline.services)
    if len(services) == 1:
        TimelineChart(timeline, title=title).savefig(path)
        return
    chart = ComparisonChart(
        [timeline] * len(services),
        [f"service: {name}" for name in services],
        service=list(services),
        title=title,
    )
    chart.figure.savefig(path)
