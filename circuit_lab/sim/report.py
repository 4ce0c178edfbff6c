"""Plain-text reports of timelines, for the CLI and the notebooks.

Everything here is formatting: the numbers come from :meth:`Timeline.summary` and
:attr:`Timeline.transitions`. Output is deterministic (fixed precision), so notebooks can
print it and nbval can check it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .timeline import Summary, Timeline

__all__ = ["compare_table", "fmt_ms", "fmt_pct", "summary_line", "transition_log"]


def fmt_pct(x: float) -> str:
    """A fraction as a percentage with two decimals (``"n/a"`` for NaN)."""
    return "n/a" if math.isnan(x) else f"{100.0 * x:.2f}%"


def fmt_ms(x: float) -> str:
    """Seconds as milliseconds with one decimal (``"n/a"`` for NaN)."""
    return "n/a" if math.isnan(x) else f"{1000.0 * x:.1f} ms"


def summary_line(s: Summary) -> str:
    """One line: attempts, success rate, failures, timeouts, rejections, latency, trips."""
    return (
        f"{s.service}: {s.attempts} attempts, success {fmt_pct(s.success_rate)} "
        f"({s.degraded} degraded), {s.failures} failed, {s.timeouts} timed out, "
        f"{s.rejected} rejected; latency p50 {fmt_ms(s.p50_latency)}, "
        f"p99 {fmt_ms(s.p99_latency)}; trips {s.trips}"
    )


def transition_log(
    timeline: Timeline, service: str | None = None, *, limit: int | None = None
) -> str:
    """The breaker transitions, one per line with time and reason; only ``service``'s
    when given; at most the first ``limit`` lines (then a line saying how many more)."""
    rows = [t for t in timeline.transitions if service is None or t.service == service]
    shown = rows if limit is None else rows[:limit]
    lines = [
        f"{t.time:9.3f} s  {t.service}: {t.old.value} -> {t.new.value} ({t.reason})"
        for t in shown
    ]
    if len(rows) > len(shown):
        lines.append(f"... and {len(rows) - len(shown)} more")
    return "\n".join(lines) if lines else "no transitions"


_COLUMNS = ("attempts", "success", "fallback", "timeouts", "rejected", "p50", "p99", "trips")


def compare_table(
    timelines: Mapping[str, Timeline], services: Sequence[str] | str | None = None
) -> str:
    """A fixed-width table comparing runs (keys are the row labels) for each of
    ``services`` (default: every service of the first timeline): attempts, success
    rate, answers served by a fallback, timeouts, rejections, p50 and p99 latency of
    the attempts not rejected, and trips."""
    if not timelines:
        raise ValueError("timelines must name at least one timeline")
    first = next(iter(timelines.values()))
    names = [services] if isinstance(services, str) else list(services or first.services)
    rows: list[tuple[str, ...]] = []
    for name in names:
        for label, timeline in timelines.items():
            s = timeline.summary(name)
            rows.append((
                name, label, str(s.attempts), fmt_pct(s.success_rate), str(s.degraded),
                str(s.timeouts), str(s.rejected), fmt_ms(s.p50_latency),
                fmt_ms(s.p99_latency), str(s.trips),
            ))
    header = ("service", "run", *_COLUMNS)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: Sequence[str]) -> str:
        cells = [c.ljust(w) if i < 2 else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])
