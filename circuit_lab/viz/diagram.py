"""The breaker's state machine as a picture: three states, the rule on every arrow, the
current state highlighted (and the arrow that led there)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.text import Text

from circuit_lab._validate import check_int, check_seconds

from . import _data
from ._figure import LayeredFigure, new_figure, png_bytes
from ._style import FONT_SIZE, INK, STATE_FILL, STATE_LABEL, STATE_NAMES, STATE_TEXT

if TYPE_CHECKING:
    from matplotlib.backend_bases import FigureCanvasBase

__all__ = ["StateDiagram"]

# Layout in "width units": x in [0, 1], y in [0, height / width] of the figure.
_POS: dict[str, tuple[float, float]] = {
    "closed": (0.19, 0.45),
    "open": (0.81, 0.45),
    "half_open": (0.50, 0.17),
}
_RADIUS = 0.1
_IDLE_FILL = "#f3f3f3"
_IDLE_EDGE = "#9a9a9a"
_IDLE_TEXT = "#6a6a6a"
_ARROW_IDLE = "#8a8a8a"

# (old, new): (arc curvature, label position, alignment)
_EDGES: dict[tuple[str, str], tuple[float, tuple[float, float], str]] = {
    ("closed", "open"): (-0.35, (0.50, 0.66), "center"),
    ("open", "half_open"): (-0.25, (0.865, 0.245), "center"),
    ("half_open", "closed"): (-0.25, (0.135, 0.245), "center"),
    ("half_open", "open"): (-0.25, (0.50, 0.405), "center"),
}


def _rule_texts(
    failure_threshold: int,
    recovery_timeout: float,
    success_threshold: int,
    policy: Any,
    settings: Mapping[str, Any],
) -> dict[tuple[str, str], str]:
    trip = f"{failure_threshold} consecutive\nfailures"
    rate = _data.rate_policy(
        {**settings, "policy": policy} if policy is not None else settings, default_seconds=0.0
    )
    if rate.threshold is not None:
        trip = f"failure rate ≥ {rate.threshold:.0%}\nover the {rate.description}"
    trials = "trial succeeds" if success_threshold == 1 else (f"{success_threshold} trials succeed")
    return {
        ("closed", "open"): trip,
        ("open", "half_open"): f"{recovery_timeout:g} s recovery\ntimeout elapsed",
        ("half_open", "closed"): trials,
        ("half_open", "open"): "a trial fails",
    }


class StateDiagram:
    """CLOSED, OPEN and HALF-OPEN with the rule that fires each transition written on
    its arrow; :meth:`update` highlights the current state (and, after a change, the
    arrow just taken). Colour is never the only cue: the current state is also drawn
    with a thick outline and bold label, and :attr:`current` names it.

    Rules come from ``settings`` (a ``Timeline.settings`` mapping) and the keywords,
    which win when given (``failure_threshold``, ``recovery_timeout``,
    ``success_threshold``, ``policy``: a policy name or a ``TripPolicy``); anything
    missing takes the breaker's defaults (5, 30 s, 1, consecutive failures). Change
    them later with :meth:`set_rules`.
    """

    def __init__(
        self,
        state: Any = "closed",
        *,
        settings: Mapping[str, Any] | None = None,
        failure_threshold: int | None = None,
        recovery_timeout: float | None = None,
        success_threshold: int | None = None,
        policy: Any = None,
        figsize: tuple[float, float] = (4.4, 3.2),
        dpi: int = 100,
        live: bool = False,
    ) -> None:
        self.figure: LayeredFigure = new_figure(figsize, dpi, live)
        self.canvas: FigureCanvasBase = self.figure.canvas
        ax = self.figure.add_axes((0.0, 0.0, 1.0, 1.0))
        # The layout is 1 x 0.727 "width units" (4.4 x 3.2 inches); widen or heighten
        # the view to the figure's aspect so circles stay round at any size.
        width_in = self.figure.get_figwidth()
        aspect = self.figure.get_figheight() / width_in
        top = 0.727
        if aspect >= top:
            ax.set_xlim(0.0, 1.0)
            ax.set_ylim(0.5 * (top - aspect), 0.5 * (top + aspect))
            units_in = width_in  # inches per width unit
        else:
            half = 0.5 * top / aspect
            ax.set_xlim(0.5 - half, 0.5 + half)
            ax.set_ylim(0.0, top)
            units_in = width_in / (2 * half)
        # text shrinks with the picture (down to 75%) so labels keep clear of arrows
        scale = max(0.75, min(1.0, units_in / 4.4))
        ax.set_axis_off()
        self.axes = ax
        self.nodes: dict[str, Circle] = {}
        self.labels: dict[str, Text] = {}
        for name in STATE_NAMES:
            circle = Circle(_POS[name], _RADIUS, lw=1.2, zorder=3)
            ax.add_patch(circle)
            self.nodes[name] = circle
            self.labels[name] = ax.text(
                *_POS[name],
                STATE_LABEL[name],
                ha="center",
                va="center",
                fontsize=FONT_SIZE * scale,
                zorder=4,
            )
        self.arrows: dict[tuple[str, str], FancyArrowPatch] = {}
        self.rule_texts: dict[tuple[str, str], Text] = {}
        shrink = _RADIUS * units_in * 72.0 + 2.0  # points
        for (old, new), (rad, where, align) in _EDGES.items():
            arrow = FancyArrowPatch(
                _POS[old],
                _POS[new],
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>,head_length=7,head_width=4",
                shrinkA=shrink,
                shrinkB=shrink,
                lw=1.3,
                color=_ARROW_IDLE,
                zorder=2,
            )
            ax.add_patch(arrow)
            self.arrows[(old, new)] = arrow
            self.rule_texts[(old, new)] = ax.text(
                *where,
                "",
                ha=align,
                va="center",
                fontsize=(FONT_SIZE - 0.5) * scale,
                color=INK,
                zorder=5,
                linespacing=1.15,
            )
        self.caption = ax.text(
            0.5,
            0.012,
            "",
            ha="center",
            va="bottom",
            fontsize=(FONT_SIZE - 0.5) * scale,
            color=INK,
        )
        self.current: str = _data.state_name(state)
        self.previous: str | None = None
        self.set_rules(
            settings=settings,
            failure_threshold=failure_threshold,
            recovery_timeout=recovery_timeout,
            success_threshold=success_threshold,
            policy=policy,
            draw=False,
        )
        self._restyle()

    def set_rules(
        self,
        *,
        settings: Mapping[str, Any] | None = None,
        failure_threshold: int | None = None,
        recovery_timeout: float | None = None,
        success_threshold: int | None = None,
        policy: Any = None,
        draw: bool = True,
    ) -> None:
        """Rewrite the arrow labels for new breaker settings (keywords win over
        ``settings``; missing values keep the defaults 5 / 30 s / 1)."""
        merged: dict[str, Any] = dict(settings or {})
        for key, value in (
            ("failure_threshold", failure_threshold),
            ("recovery_timeout", recovery_timeout),
            ("success_threshold", success_threshold),
            ("policy", policy),
        ):
            if value is not None:
                merged[key] = value
        texts = _rule_texts(
            check_int("failure_threshold", merged.get("failure_threshold", 5)),
            check_seconds("recovery_timeout", merged.get("recovery_timeout", 30.0)),
            check_int("success_threshold", merged.get("success_threshold", 1)),
            merged.get("policy"),
            merged,
        )
        for edge, text in texts.items():
            self.rule_texts[edge].set_text(text)
        if draw:
            self.canvas.draw_idle()

    def update(self, state: Any, *, draw: bool = True) -> None:
        """Highlight ``state`` (a ``State``, ``"open"``..., a state code, or an object
        with a ``.state`` such as a breaker); after a change the arrow taken is
        highlighted too. Raises ``ValueError`` for an unknown state."""
        if not isinstance(state, (str, int)) and hasattr(state, "state"):
            state = state.state
        name = _data.state_name(state)
        if name != self.current:
            self.previous = self.current
            self.current = name
        self._restyle()
        if draw:
            self.canvas.draw_idle()

    def _restyle(self) -> None:
        for name, circle in self.nodes.items():
            on = name == self.current
            circle.set_facecolor(STATE_FILL[name] if on else _IDLE_FILL)
            circle.set_edgecolor(INK if on else _IDLE_EDGE)
            circle.set_linewidth(3.0 if on else 1.2)
            label = self.labels[name]
            label.set_color(STATE_TEXT[name] if on else _IDLE_TEXT)
            label.set_fontweight("bold" if on else "normal")
        taken = (self.previous, self.current)
        for edge, arrow in self.arrows.items():
            hot = edge == taken
            arrow.set_color(INK if hot else _ARROW_IDLE)
            arrow.set_linewidth(2.4 if hot else 1.3)
            self.rule_texts[edge].set_fontweight("bold" if hot else "normal")
        self.caption.set_text(f"current state: {STATE_LABEL[self.current]}")

    def __repr__(self) -> str:
        return f"StateDiagram(current={self.current!r})"

    def to_png(self) -> bytes:
        """The diagram as PNG bytes."""
        return png_bytes(self.figure)

    def _repr_png_(self) -> bytes:
        return self.to_png()
