"""The timeline chart: state band, binned outcomes, rolling failure rate, transitions and
fault windows on one virtual-time axis, updated in place.

Every artist is created once in ``__init__``; :meth:`TimelineChart.update` only changes
data (``set_data``, ``set_verts``, ``set_text``, ``set_visible``...). Variable numbers of
things (state-span labels, transition texts, fault labels) come from pools of ``Text``
artists that grow when needed and hide what is unused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec, GridSpecFromSubplotSpec, SubplotSpec
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, StepPatch
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from circuit_lab._validate import check_seconds

from . import _data
from ._figure import LayeredFigure, new_figure, png_bytes
from ._style import (
    FAULT_COLOR,
    FAULT_DEFAULT_COLOR,
    FAULT_LABEL,
    FAULT_SHADE_ALPHA,
    FONT_SIZE,
    INK,
    OUTCOME_COLOR,
    OUTCOME_LABEL,
    OUTCOME_ORDER,
    RATE_COLOR,
    SMALL_FONT,
    STATE_FILL,
    STATE_LABEL,
    STATE_SHORT,
    STATE_TEXT,
    THRESHOLD_COLOR,
)

if TYPE_CHECKING:
    from matplotlib.backend_bases import FigureCanvasBase

__all__ = ["ComparisonChart", "TimelineChart", "compare", "plot_timeline"]

_DEFAULT_RATE_WINDOW = 5.0
_TEXT_ROWS = 3  # rows of transition texts at the top of the outcome axes
_HEADROOM = 0.66  # bars use at most this share of the outcome axes' height
_RATE_POINTS = 320  # evaluation points of the rolling failure rate
_MIN_SPAN_PX = 2.5  # a state span is never drawn narrower than this


def _char_px(fontsize: float, dpi: float) -> float:
    """Rough width of one character in pixels (DejaVu Sans averages ~0.53 em)."""
    return 0.53 * fontsize * dpi / 72.0


@dataclass
class _Options:
    service: int | str | None
    window: float | None
    bin_width: float | None
    rate_window: float | None
    label: str | None


class _TextPool:
    """Text artists on one axes, created on demand and hidden when unused."""

    def __init__(self, ax: Axes, **style: Any) -> None:
        self.ax = ax
        self.style = style
        self.dynamic = True
        self.texts: list[Text] = []
        self.used = 0

    def reset(self) -> None:
        self.used = 0

    def take(self) -> Text:
        if self.used == len(self.texts):
            text = self.ax.text(0.0, 0.0, "", **self.style)
            if self.dynamic:
                _layered(self.ax).add_dynamic(text)
            self.texts.append(text)
        text = self.texts[self.used]
        self.used += 1
        text.set_visible(True)
        return text

    def finish(self) -> None:
        """Hide every text not taken since :meth:`reset`."""
        for text in self.texts[self.used :]:
            if text.get_visible():
                text.set_visible(False)


class Panel:
    """One timeline drawn on three stacked axes sharing x: ``band`` (state and fault
    lanes), ``counts`` (binned outcomes) and ``rate`` (rolling failure rate).

    Its artists are public so tests and notebooks can inspect them: ``state_spans`` /
    ``fault_lane`` (PolyCollections), ``state_labels`` / ``fault_labels`` /
    ``transition_texts`` (pools of Text), ``stairs`` (outcome code -> StepPatch,
    stacked), ``rate_line``, ``threshold_line``, ``transition_lines`` and
    ``fault_shades`` (one collection per axes)."""

    def __init__(
        self, fig: Figure, spec: SubplotSpec, options: _Options, sharex: Axes | None
    ) -> None:
        self.fig = fig
        self.options = options
        grid = GridSpecFromSubplotSpec(
            3, 1, subplot_spec=spec, height_ratios=(0.62, 2.1, 1.25), hspace=0.1
        )
        self.band: Axes = fig.add_subplot(grid[0], sharex=sharex)
        self.counts: Axes = fig.add_subplot(grid[1], sharex=self.band)
        self.rate: Axes = fig.add_subplot(grid[2], sharex=self.band)
        self.axes: tuple[Axes, Axes, Axes] = (self.band, self.counts, self.rate)
        self.lane_name = "state"
        self._row_transforms: dict[tuple[int, float], transforms.Transform] = {}
        self._ymax = 1.0
        self._build_band()
        self._build_counts()
        self._build_rate()
        self._build_overlays()
        _layered(fig).add_dynamic(
            self.state_spans,
            self.fault_lane,
            self.separator,
            *self.stairs.values(),
            self.empty_text,
            self.rate_line,
            *self.fault_shades,
            *self.transition_lines,
            self.rate.xaxis,
            *(spine for ax in self.axes for spine in ax.spines.values()),
        )

    def static_key(self) -> tuple[Any, ...]:
        """What the static picture of this panel depends on."""
        return (
            self.lane_name,
            self.counts.get_ylim(),
            self.rate_info.get_text(),
            self.threshold_line.get_visible(),
            tuple(np.asarray(self.threshold_line.get_ydata()).tolist()),
            self.threshold_text.get_text(),
            self.no_fault_text.get_visible(),
        )

    # ------------------------------------------------------------------ construction
    def _build_band(self) -> None:
        ax = self.band
        ax.set_ylim(0.0, 2.0)
        ax.yaxis.set_major_locator(FixedLocator([0.5, 1.5]))
        ax.set_yticklabels(["faults", "state"])
        ax.tick_params(axis="y", length=0, labelsize=FONT_SIZE)
        ax.tick_params(axis="x", labelbottom=False, length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        self.separator = ax.axhline(1.0, color="white", lw=2.0, zorder=3)
        self.state_spans = PolyCollection([], closed=True, linewidths=0, zorder=2)
        ax.add_collection(self.state_spans)
        self.fault_lane = PolyCollection([], closed=True, linewidths=0.8, zorder=2)
        ax.add_collection(self.fault_lane)
        self.state_labels = _TextPool(
            ax,
            ha="center",
            va="center",
            fontsize=SMALL_FONT,
            fontweight="bold",
            zorder=5,
            clip_on=True,
        )
        self.fault_labels = _TextPool(
            ax, ha="left", va="center", fontsize=SMALL_FONT, color=INK, zorder=5, clip_on=True
        )
        self.no_fault_text = ax.text(
            0.005,
            0.25,
            "no fault injected",
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=SMALL_FONT,
            color="#777777",
            style="italic",
        )
        if self.options.label:
            ax.set_title(
                self.options.label, loc="left", fontsize=FONT_SIZE + 0.5, fontweight="bold", pad=3
            )

    def _build_counts(self) -> None:
        ax = self.counts
        ax.tick_params(axis="x", labelbottom=False, length=0)
        ax.tick_params(labelsize=FONT_SIZE)
        ax.set_ylabel("requests / s", fontsize=FONT_SIZE)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=False, min_n_ticks=2))
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.grid(axis="y", color="#e6e6e6", lw=0.6, zorder=0)
        ax.set_axisbelow(True)
        edges = np.array([0.0, 1.0])
        zero = np.zeros(1)
        self.stairs: dict[int, StepPatch] = {}
        for code in OUTCOME_ORDER:
            self.stairs[code] = ax.stairs(
                zero,
                edges,
                baseline=zero,
                fill=True,
                color=OUTCOME_COLOR[code],
                label=OUTCOME_LABEL[code],
                zorder=2,
                lw=0,
            )
        ax.set_ylim(0.0, 1.0)
        self.empty_text = ax.text(
            0.5,
            0.45,
            "no requests yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color="#777777",
            style="italic",
        )

    def _build_rate(self) -> None:
        ax = self.rate
        ax.set_ylim(-4.0, 128.0)
        ax.yaxis.set_major_locator(FixedLocator([0.0, 50.0, 100.0]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        ax.tick_params(labelsize=FONT_SIZE)
        ax.set_ylabel("failure rate", fontsize=FONT_SIZE)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.grid(axis="y", color="#e6e6e6", lw=0.6, zorder=0)
        ax.set_axisbelow(True)
        (self.rate_line,) = ax.plot(
            [], [], color=RATE_COLOR, lw=1.4, zorder=4, label="failure rate"
        )
        self.threshold_line = ax.axhline(
            50.0,
            color=THRESHOLD_COLOR,
            lw=1.3,
            ls=(0, (5, 3)),
            zorder=3,
            label="trip threshold",
        )
        self.threshold_text = ax.text(
            0.005,
            50.0,
            "",
            transform=transforms.blended_transform_factory(ax.transAxes, ax.transData),
            ha="left",
            va="bottom",
            fontsize=SMALL_FONT,
            color=THRESHOLD_COLOR,
            zorder=5,
        )
        self.rate_info = ax.text(
            0.005,
            0.985,
            "",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=SMALL_FONT,
            color="#444444",
            zorder=6,
        )

    def _build_overlays(self) -> None:
        """Fault shading and transition lines on the outcome and rate axes."""
        self.fault_shades: list[PolyCollection] = []
        self.transition_lines: list[LineCollection] = []
        for ax in self.axes:
            blend = transforms.blended_transform_factory(ax.transData, ax.transAxes)
            if ax is not self.band:
                shade = PolyCollection([], closed=True, linewidths=0, zorder=1, transform=blend)
                ax.add_collection(shade)
                self.fault_shades.append(shade)
            lines = LineCollection(
                [], linewidths=0.8, linestyles="solid", zorder=4, transform=blend, colors=INK
            )
            ax.add_collection(lines)
            self.transition_lines.append(lines)
        self.transition_texts = _TextPool(
            self.counts,
            ha="left",
            va="top",
            fontsize=SMALL_FONT,
            color=INK,
            zorder=7,
            clip_on=True,
            bbox={
                "boxstyle": "round,pad=0.2",
                "fc": "white",
                "ec": "#bbbbbb",
                "lw": 0.6,
                "alpha": 0.92,
            },
        )

    # ----------------------------------------------------------------------- update
    def px_per_second(self, x0: float, x1: float) -> float:
        width_px = self.counts.get_position().width * self.fig.get_figwidth() * self.fig.dpi
        return width_px / max(x1 - x0, 1e-9)

    def update(self, timeline: Any, x0: float, x1: float, end: float) -> None:
        """Redraw the panel for ``timeline`` over the visible range ``[x0, x1]``
        (data exists up to ``end``)."""
        opts = self.options
        index, name = _data.resolve_service(timeline, opts.service)
        px = self.px_per_second(x0, x1)
        changes = _data.transitions_of(timeline, index, name)
        start = float(timeline.start)
        spans = [(a, b, state.value) for a, b, state in timeline.state_spans(index)]
        guarded = name in getattr(timeline, "guarded", (name,))
        if not guarded:
            spans = [(start, max(end, start), "unguarded")]
        lane = name[:11] if len(getattr(timeline, "services", ())) > 1 else "state"
        if lane != self.lane_name:
            self.lane_name = lane
            self.band.set_yticklabels(["faults", lane])
        self._update_band(spans, _data.faults_of(timeline, end, name), x0, x1, px)
        req = _data.requests_of(timeline, index)
        data_end = min(end, x1)
        has_data = data_end > x0 and len(req.time) > 0
        self._update_counts(req, x0, data_end, has_data, self._bin_width(x0, x1))
        settings = getattr(timeline, "settings", None) if guarded else {}
        self._update_rate(req, x0, data_end, has_data, settings)
        self._update_transitions(changes, x0, x1, px)

    def _update_band(
        self,
        spans: list[tuple[float, float, str]],
        faults: list[_data.Fault],
        x0: float,
        x1: float,
        px: float,
    ) -> None:
        min_w = _MIN_SPAN_PX / px
        char = _char_px(SMALL_FONT, self.fig.dpi)
        wide: list[tuple[list[tuple[float, float]], str]] = []
        narrow: list[tuple[list[tuple[float, float]], str]] = []
        self.state_labels.reset()
        for s, e, state in spans:
            if e < x0 or s > x1:
                continue
            if e - s < min_w:
                mid = 0.5 * (s + e)
                verts = _box(mid - min_w / 2, mid + min_w / 2, 1.05, 1.95)
                narrow.append((verts, state))
                continue
            wide.append((_box(s, e, 1.05, 1.95), state))
            vs, ve = max(s, x0), min(e, x1)
            width_px = (ve - vs) * px
            long_label = STATE_LABEL[state]
            label = (
                long_label
                if width_px >= (len(long_label) + 1.5) * char
                else STATE_SHORT[state]
                if width_px >= 2.2 * char
                else ""
            )
            if label:
                text = self.state_labels.take()
                text.set_position((0.5 * (vs + ve), 1.5))
                text.set_text(label)
                text.set_color(STATE_TEXT[state])
        self.state_labels.finish()
        ordered = wide + narrow
        self.state_spans.set_verts([v for v, _ in ordered])
        self.state_spans.set_facecolor([STATE_FILL[s] for _, s in ordered])

        self.fault_labels.reset()
        lane: list[list[tuple[float, float]]] = []
        shade: list[list[tuple[float, float]]] = []
        lane_colors: list[tuple[float, float, float, float]] = []
        shade_colors: list[tuple[float, float, float, float]] = []
        for fault in faults:
            if fault.end < x0 or fault.start > x1:
                continue
            color = FAULT_COLOR.get(fault.kind, FAULT_DEFAULT_COLOR)
            lane.append(_box(fault.start, fault.end, 0.08, 0.92))
            lane_colors.append(to_rgba(color, 0.35))
            shade.append(_box(fault.start, fault.end, 0.0, 1.0))
            shade_colors.append(to_rgba(color, FAULT_SHADE_ALPHA))
            label = fault.label or FAULT_LABEL.get(fault.kind, fault.kind)
            vs, ve = max(fault.start, x0), min(fault.end, x1)
            room = int((ve - vs) * px / char) - 1
            if room >= 3:
                text = self.fault_labels.take()
                text.set_position((vs + 3.0 / px, 0.5))
                text.set_text(label if len(label) <= room else label[: room - 1] + "…")
        self.fault_labels.finish()
        self.fault_lane.set_verts(lane)
        self.fault_lane.set_facecolor(lane_colors)
        self.fault_lane.set_edgecolor([(*c[:3], 0.9) for c in lane_colors])
        for collection in self.fault_shades:
            collection.set_verts(shade)
            collection.set_facecolor(shade_colors)
        self.no_fault_text.set_visible(not lane)

    def _bin_width(self, x0: float, x1: float) -> float:
        if self.options.bin_width is not None:
            return self.options.bin_width
        return _data.auto_bin_width(x1 - x0, target_bins=80)

    def _update_counts(
        self, req: _data.Requests, x0: float, x1: float, has_data: bool, width: float
    ) -> None:
        """Bins of ``width`` s (chosen from the visible range, so they stay put while a
        live run fills its window) over the data in ``[x0, x1]``."""
        self.empty_text.set_visible(not has_data)
        if not has_data:
            edges = np.array([x0, x0 + 1e-9])
            for patch in self.stairs.values():
                patch.set_data(np.zeros(1), edges, np.zeros(1))  # type: ignore[arg-type]
            return
        binned = _data.bin_outcomes(req, x0, x1, width)
        base = np.zeros(binned.rates.shape[1])
        for code in OUTCOME_ORDER:
            top = base + binned.rates[code]
            self.stairs[code].set_data(top, binned.edges, base)  # type: ignore[arg-type]
            base = top
        needed = float(base.max()) if len(base) else 0.0
        target = max(needed / _HEADROOM, 1.0)
        if target > self._ymax or target < 0.45 * self._ymax:
            self._ymax = _data.nice_step(target)
            self.counts.set_ylim(0.0, self._ymax)

    def _update_rate(
        self,
        req: _data.Requests,
        x0: float,
        x1: float,
        has_data: bool,
        settings: Mapping[str, Any] | None,
    ) -> None:
        default = self.options.rate_window or _DEFAULT_RATE_WINDOW
        policy = _data.rate_policy(settings, default)
        if self.options.rate_window is not None:
            policy = _data.RatePolicy(
                policy.threshold,
                self.options.rate_window,
                None,
                f"last {self.options.rate_window:g} s",
            )
        if has_data:
            xs = np.linspace(x0, x1, _RATE_POINTS)
            rate = _data.rolling_failure_rate(
                req, xs, window_seconds=policy.window_seconds, window_calls=policy.window_calls
            )
            self.rate_line.set_data(xs, rate * 100.0)
        else:
            self.rate_line.set_data([], [])
        info = f"rolling failure rate over the {policy.description}"
        if settings == {}:
            info += " · no breaker"
        elif policy.threshold is None:
            threshold = (settings or {}).get("failure_threshold")
            if isinstance(threshold, int):
                info += f" · breaker trips on {threshold} consecutive failures"
        self.rate_info.set_text(info)
        visible = policy.threshold is not None
        self.threshold_line.set_visible(visible)
        self.threshold_text.set_visible(visible)
        if policy.threshold is not None:
            y = policy.threshold * 100.0
            self.threshold_line.set_ydata([y, y])
            self.threshold_text.set_y(y)
            self.threshold_text.set_text(f"trip threshold {policy.threshold:.0%}")

    def _update_transitions(
        self, changes: Sequence[_data.Change], x0: float, x1: float, px: float
    ) -> None:
        visible = [c for c in changes if x0 <= c.time <= x1]
        segments = [[(c.time, 0.0), (c.time, 1.0)] for c in visible]
        colors = [to_rgba(INK, 0.4) for _ in visible]
        for lines in self.transition_lines:
            lines.set_segments(segments)
            lines.set_color(colors)
        # in the band, only across the state lane (not over the fault labels)
        self.transition_lines[0].set_segments([[(c.time, 0.5), (c.time, 1.0)] for c in visible])
        # Group transitions closer than a few pixels, newest first, and pack their
        # texts into rows at the top of the outcome axes; what does not fit is dropped.
        groups: list[list[_data.Change]] = []
        for change in reversed(visible):
            if groups and (groups[-1][-1].time - change.time) * px < 14.0:
                groups[-1].append(change)
            else:
                groups.append([change])
        char = _char_px(SMALL_FONT, self.fig.dpi)
        axes_px = px * (x1 - x0)
        boxes: list[_Box] = []
        for group in groups:
            chronological = group[::-1]
            label = _group_label(chronological)
            x_px = (chronological[0].time - x0) * px
            width = len(label) * char + 8.0
            if x_px + width <= axes_px:
                boxes.append((x_px, x_px + width, "left", 3.0, label, chronological[0].time))
            elif x_px - width >= -2.0:
                boxes.append((x_px - width, x_px, "right", -3.0, label, chronological[0].time))
        # First choose what fits, newest first (a live chart must show the latest
        # change), then lay the chosen ones out left to right so rows read in time order.
        chosen = [box for box, _row in _pack(boxes)]
        placed = _pack(sorted(chosen, key=lambda b: b[0]), left_to_right=True)
        self.transition_texts.reset()
        for (_left, _right, ha, offset, label, time), row in placed:
            text = self.transition_texts.take()
            text.set_text(label)
            text.set_horizontalalignment(ha)
            text.set_transform(self._row_transform(row, offset))
            text.set_position((time, 1.0))
        self.transition_texts.finish()

    def _row_transform(self, row: int, offset_pt: float) -> transforms.Transform:
        key = (row, offset_pt)
        cached = self._row_transforms.get(key)
        if cached is None:
            blend = transforms.blended_transform_factory(
                self.counts.transData, self.counts.transAxes
            )
            cached = blend + transforms.ScaledTranslation(
                offset_pt / 72.0,
                -(2.0 + row * (SMALL_FONT + 5.5)) / 72.0,
                self.fig.dpi_scale_trans,
            )
            self._row_transforms[key] = cached
        return cached


def _layered(owner: Any) -> LayeredFigure:
    fig = owner if isinstance(owner, Figure) else owner.get_figure(root=True)
    if not isinstance(fig, LayeredFigure):  # pragma: no cover - we always create it
        raise TypeError(f"expected a LayeredFigure, got {type(fig).__name__}")
    return fig


# left and right edge (px), alignment, offset (points), label, transition time
_Box = tuple[float, float, Literal["left", "right"], float, str, float]


def _pack(boxes: Sequence[_Box], *, left_to_right: bool = False) -> list[tuple[_Box, int]]:
    """Greedy first-fit of horizontal boxes into ``_TEXT_ROWS`` rows, in the order given
    (right to left unless ``left_to_right``); returns ``(box, row)`` for those that fit."""
    edges: list[float] = [-math.inf if left_to_right else math.inf] * _TEXT_ROWS
    kept: list[tuple[_Box, int]] = []
    for box in boxes:
        left, right = box[0], box[1]
        for row in range(_TEXT_ROWS):
            fits = left >= edges[row] + 4.0 if left_to_right else right + 4.0 <= edges[row]
            if fits:
                edges[row] = right if left_to_right else left
                kept.append((box, row))
                break
    return kept


def _box(x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]


def _group_label(changes: Sequence[_data.Change]) -> str:
    """``"OPEN: 5 consecutive failures"``; for a burst of changes, the chain of states
    and the reasons that are not implied (the recovery timeout is implied by HALF-OPEN)."""
    if len(changes) == 1:
        c = changes[0]
        return f"{STATE_LABEL[c.new]}: {c.reason}"
    chain = " → ".join(STATE_LABEL[c.new] for c in changes[:3])
    if len(changes) > 3:
        chain += f" (+{len(changes) - 3})"
    reasons = [c.reason for c in changes if c.new != "half_open"] or [changes[-1].reason]
    return f"{chain}: {'; '.join(dict.fromkeys(reasons))}"


def _legend_handles() -> list[Any]:
    handles: list[Any] = [
        Patch(facecolor=OUTCOME_COLOR[code], label=OUTCOME_LABEL[code]) for code in OUTCOME_ORDER
    ]
    handles.append(Line2D([], [], color=RATE_COLOR, lw=1.4, label="failure rate"))
    handles.append(Line2D([], [], color=INK, alpha=0.6, lw=0.9, label="state change"))
    return handles


_LEFT_IN, _RIGHT_IN, _BOTTOM_IN = 0.72, 0.18, 0.46


def _header(fig: Figure, title: str | None) -> tuple[Text, Any, float]:
    """Title (top left) and the figure legend (a row of its own under the title, so it
    never covers data); returns them and the header height in inches."""
    width_in, height_in = fig.get_figwidth(), fig.get_figheight()
    title_text = fig.text(
        _LEFT_IN / width_in,
        1.0 - 0.07 / height_in,
        title or "",
        ha="left",
        va="top",
        fontsize=FONT_SIZE + 1.5,
        fontweight="bold",
        color=INK,
    )
    legend = fig.legend(
        handles=_legend_handles(),
        loc="upper right",
        bbox_to_anchor=(1.0 - 0.1 / width_in, 1.0 - 0.02 / height_in),
        ncol=7,
        frameon=False,
        fontsize=SMALL_FONT,
        handlelength=1.4,
        handletextpad=0.4,
        columnspacing=0.9,
        borderaxespad=0.1,
    )
    legend_top = 0.02
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    if title and get_renderer is not None:
        renderer = get_renderer()
        title_right = title_text.get_window_extent(renderer).x1
        legend_left = legend.get_window_extent(renderer).x0
        if title_right + 12.0 > legend_left:
            legend_top = 0.3
            legend.set_bbox_to_anchor((1.0 - 0.1 / width_in, 1.0 - legend_top / height_in))
    return title_text, legend, legend_top + 0.36


def _xlabel(fig: Figure, ax: Axes) -> Text:
    """The time-axis label as a static figure text under ``ax`` (an axis label would be
    redrawn with the moving ticks on every frame)."""
    box = ax.get_position()
    return fig.text(
        0.5 * (box.x0 + box.x1),
        0.04 / fig.get_figheight(),
        "virtual time (s)",
        ha="center",
        va="bottom",
        fontsize=FONT_SIZE,
        color=INK,
    )


def _visible_range(start: float, end: float, window: float | None) -> tuple[float, float]:
    end = max(end, start)
    if window is None:  # the whole run (a run that has not started yet: its first second)
        return start, end if end - start > 1e-9 else start + 1.0
    if end - start <= window:
        return start, start + window
    return end - window, end


def _check_options(
    window: Any, bin_width: Any, rate_window: Any
) -> tuple[float | None, float | None, float | None]:
    return (
        None if window is None else check_seconds("window", window, allow_zero=False),
        None if bin_width is None else check_seconds("bin_width", bin_width, allow_zero=False),
        None
        if rate_window is None
        else check_seconds("rate_window", rate_window, allow_zero=False),
    )


class TimelineChart:
    """A live chart of one service's timeline.

    Built once; :meth:`update` changes the existing artists in place and never creates
    a figure or axes. ``figure`` / ``canvas`` are exposed for layouts (with
    ``live=True`` and the ipympl backend, ``canvas`` is a widget).

    - ``timeline``: drawn immediately if given (else call :meth:`update` later);
    - ``service``: index or name in ``timeline.services`` (default: the first);
    - ``window``: show only the last ``window`` seconds (sliding), ``None`` = all;
    - ``bin_width``: seconds per outcome bin (default: about 80 bins on screen);
    - ``rate_window``: seconds of the rolling failure rate (default: the policy's window
      from ``timeline.settings``, else 5 s);
    - ``title``; ``figsize`` (inches) and ``dpi``: 8 x 4 at 100 = 800 x 400 px;
    - ``live``: create the figure through pyplot (``plt.ioff()``) for ipympl.
    """

    def __init__(
        self,
        timeline: Any = None,
        *,
        service: int | str | None = None,
        window: float | None = None,
        bin_width: float | None = None,
        rate_window: float | None = None,
        title: str | None = None,
        figsize: tuple[float, float] = (8.0, 4.0),
        dpi: int = 100,
        live: bool = False,
    ) -> None:
        window, bin_width, rate_window = _check_options(window, bin_width, rate_window)
        self.figure: LayeredFigure = new_figure(figsize, dpi, live)
        self.canvas: FigureCanvasBase = self.figure.canvas
        self.title = title
        self._options = _Options(service, window, bin_width, rate_window, None)
        height_in = self.figure.get_figheight()
        width_in = self.figure.get_figwidth()
        self._title_text, self.legend, header_in = _header(self.figure, title)
        grid = GridSpec(
            1,
            1,
            figure=self.figure,
            left=_LEFT_IN / width_in,
            right=1.0 - _RIGHT_IN / width_in,
            top=1.0 - header_in / height_in,
            bottom=_BOTTOM_IN / height_in,
        )
        self.panel = Panel(self.figure, grid[0], self._options, None)
        self.axes: tuple[Axes, Axes, Axes] = self.panel.axes
        self._xlabel = _xlabel(self.figure, self.panel.rate)
        self.timeline: Any = None
        self.updates = 0
        if timeline is not None:
            self.update(timeline, draw=False)

    @property
    def window(self) -> float | None:
        """Seconds of the sliding visible window (``None``: the whole run)."""
        return self._options.window

    @window.setter
    def window(self, value: float | None) -> None:
        self._options.window = (
            None if value is None else check_seconds("window", value, allow_zero=False)
        )

    @property
    def service(self) -> int | str | None:
        """The service charted (index or name; ``None``: the first)."""
        return self._options.service

    @service.setter
    def service(self, value: int | str | None) -> None:
        if self.timeline is not None:
            _data.resolve_service(self.timeline, value)
        self._options.service = value

    @property
    def xlim(self) -> tuple[float, float]:
        """The visible time range in seconds."""
        lo, hi = self.panel.band.get_xlim()
        return float(lo), float(hi)

    def update(self, timeline: Any = None, *, draw: bool = True) -> None:
        """Show ``timeline`` (default: the one shown last, e.g. after more steps).

        Only artist data changes; then ``canvas.draw_idle()`` when ``draw`` is true
        (on Agg that renders at once; on ipympl it schedules a browser redraw)."""
        if timeline is None:
            timeline = self.timeline
        if timeline is None:
            raise ValueError("timeline must be given on the first update, got None")
        _data.resolve_service(timeline, self._options.service)  # validate early
        self.timeline = timeline
        start, end = float(timeline.start), float(timeline.end)
        x0, x1 = _visible_range(start, end, self._options.window)
        self.panel.band.set_xlim(x0, x1)
        self.panel.update(timeline, x0, x1, end)
        self.figure.static_key = (self._title_text.get_text(), self.panel.static_key())
        self.updates += 1
        if draw:
            self.canvas.draw_idle()

    def savefig(self, path: Any, **kwargs: Any) -> None:
        """Write the chart to ``path`` (format from the extension)."""
        self.figure.savefig(path, **kwargs)

    def __repr__(self) -> str:
        return f"TimelineChart(service={self.service!r}, window={self.window!r})"

    def to_png(self) -> bytes:
        """The chart as PNG bytes."""
        return png_bytes(self.figure)

    def _repr_png_(self) -> bytes:
        return self.to_png()


def plot_timeline(timeline: Any, **options: Any) -> Figure:
    """A static figure of ``timeline`` (headless, not registered with pyplot).

    ``options`` are :class:`TimelineChart`'s keyword arguments except ``live``."""
    if "live" in options:
        raise ValueError("plot_timeline draws a static figure; use TimelineChart(live=True)")
    return TimelineChart(timeline, **options).figure


class ComparisonChart:
    """Two or more timelines stacked on one shared time axis (same bins, same scale),
    e.g. a cascade with and without breakers, or two policies on one seed.

    ``labels``: one title per timeline. ``service``: one service for every panel, or a
    sequence with one per timeline (e.g. every service of one cascade timeline). Other
    options as :class:`TimelineChart`; the figure is ``figsize`` if given, else 8
    inches wide and ~2.6 inches per timeline."""

    def __init__(
        self,
        timelines: Sequence[Any],
        labels: Sequence[str] | None = None,
        *,
        service: int | str | Sequence[int | str] | None = None,
        window: float | None = None,
        bin_width: float | None = None,
        rate_window: float | None = None,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: int = 100,
        live: bool = False,
    ) -> None:
        timelines = list(timelines)
        if len(timelines) < 1:
            raise ValueError("timelines must hold at least one timeline, got 0")
        if labels is None:
            labels = [f"run {i + 1}" for i in range(len(timelines))]
        labels = [str(label) for label in labels]
        if len(labels) != len(timelines):
            raise ValueError(
                f"labels must have one entry per timeline ({len(timelines)}), got {len(labels)}"
            )
        if service is None or isinstance(service, (int, str)):
            services: list[int | str | None] = [service] * len(timelines)
        else:
            services = list(service)
            if len(services) != len(timelines):
                raise ValueError(
                    f"service must be one service or one per timeline ({len(timelines)}), "
                    f"got {len(services)}"
                )
        for timeline, svc in zip(timelines, services, strict=True):
            _data.resolve_service(timeline, svc)
        window, bin_width, rate_window = _check_options(window, bin_width, rate_window)
        if bin_width is None:
            starts = [float(t.start) for t in timelines]
            ends = [float(t.end) for t in timelines]
            span = window if window is not None else max(ends) - min(starts)
            bin_width = _data.auto_bin_width(span, target_bins=80)
        n = len(timelines)
        size = figsize if figsize is not None else (8.0, 0.75 + 2.55 * n)
        self.figure: LayeredFigure = new_figure(size, dpi, live)
        self.canvas: FigureCanvasBase = self.figure.canvas
        self.window = window
        height_in = self.figure.get_figheight()
        width_in = self.figure.get_figwidth()
        self._title_text, self.legend, header_in = _header(self.figure, title)
        grid = GridSpec(
            n,
            1,
            figure=self.figure,
            left=_LEFT_IN / width_in,
            right=1.0 - _RIGHT_IN / width_in,
            top=1.0 - (header_in + 0.1) / height_in,
            bottom=_BOTTOM_IN / height_in,
            hspace=0.2,
        )
        self.panels: list[Panel] = []
        first: Axes | None = None
        for i, label in enumerate(labels):
            opts = _Options(services[i], window, bin_width, rate_window, label)
            panel = Panel(self.figure, grid[i], opts, first)
            first = first or panel.band
            if i < n - 1:
                panel.rate.tick_params(axis="x", labelbottom=False)
            self.panels.append(panel)
        self._xlabel = _xlabel(self.figure, self.panels[-1].rate)
        self.axes: list[Axes] = [ax for p in self.panels for ax in p.axes]
        self.timelines: list[Any] = []
        self.update(timelines, draw=False)

    def update(self, timelines: Sequence[Any] | None = None, *, draw: bool = True) -> None:
        """Show ``timelines`` (same count as at construction) in place."""
        if timelines is None:
            timelines = self.timelines
        timelines = list(timelines)
        if len(timelines) != len(self.panels):
            raise ValueError(
                f"timelines must hold {len(self.panels)} timelines, got {len(timelines)}"
            )
        start = min(float(t.start) for t in timelines)
        end = max(float(t.end) for t in timelines)
        x0, x1 = _visible_range(start, end, self.window)
        self.panels[0].band.set_xlim(x0, x1)
        for panel, timeline in zip(self.panels, timelines, strict=True):
            panel.update(timeline, x0, x1, float(timeline.end))
        self.figure.static_key = tuple(panel.static_key() for panel in self.panels)
        self.timelines = timelines
        if draw:
            self.canvas.draw_idle()


def compare(
    timelines: Sequence[Any], labels: Sequence[str] | None = None, **options: Any
) -> Figure:
    """A static figure stacking ``timelines`` on a shared time axis, one titled panel per
    timeline (``labels``). ``options`` as :class:`ComparisonChart`."""
    if "live" in options:
        raise ValueError("compare draws a static figure; use ComparisonChart(live=True)")
    return ComparisonChart(timelines, labels, **options).figure
