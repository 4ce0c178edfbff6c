"""Shared wiring for the widgets: error area, figure display, state diagram, formatting.

Nothing here computes statistics: numbers come from the breaker (``metrics``,
``retry_after``), the simulation (``stats``, ``timeline.summary``) or the charts.
"""

from __future__ import annotations

import functools
import html
import io
import traceback
from collections.abc import Callable
from typing import Any, Literal

import ipywidgets as widgets  # type: ignore[import-untyped]
from matplotlib.figure import Figure

from circuit_lab import State

__all__ = [
    "STATE_TEXT",
    "CanvasMode",
    "ErrorArea",
    "FigureView",
    "resolve_mode",
]

CanvasMode = Literal["auto", "ipympl", "image"]

STATE_TEXT: dict[State, str] = {
    State.CLOSED: "CLOSED",
    State.OPEN: "OPEN",
    State.HALF_OPEN: "HALF-OPEN",
}
"""Text label of every state (colour is never the only cue)."""


def esc(value: Any) -> str:
    """``value`` as HTML-escaped text."""
    return html.escape(str(value))


class ErrorArea(widgets.HTML):  # type: ignore[misc]
    """Shows the last exception raised inside a widget callback (type, message and a
    collapsible traceback) instead of letting it vanish into the browser console."""

    def __init__(self) -> None:
        super().__init__(value="")
        self.last_error: BaseException | None = None

    def show(self, action: str, exc: BaseException) -> None:
        """Display ``exc`` raised while doing ``action`` (e.g. "Step")."""
        self.last_error = exc
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.value = (
            '<div role="alert" style="color:#9b0000;border:1px solid #d55e00;'
            'padding:4px 8px;border-radius:4px;background:#fff4ef">'
            f"<b>Error in {esc(action)}:</b> {esc(type(exc).__name__)}: {esc(exc)}"
            f"<details><summary>traceback</summary><pre style='font-size:11px'>"
            f"{esc(tb)}</pre></details></div>"
        )

    def clear(self) -> None:
        """Remove the message (after a later action succeeded)."""
        self.last_error = None
        if self.value:
            self.value = ""


def guarded(area: ErrorArea, action: str) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Decorate a widget callback: an exception is shown in ``area``; success clears it."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., None]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                fn(*args, **kwargs)
            except Exception as exc:
                area.show(action, exc)
            else:
                area.clear()

        return wrapper

    return decorate


def in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (an IPython shell with a kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def resolve_mode(mode: str) -> Literal["ipympl", "image"]:
    """``"auto"``: ``"ipympl"`` inside a kernel where ipympl is installed, else
    ``"image"`` (Agg rendered to a PNG ``Image`` widget; what headless tests use)."""
    if mode not in ("auto", "ipympl", "image"):
        raise ValueError(f"canvas must be 'auto', 'ipympl' or 'image', got {mode!r}")
    if mode != "auto":
        return "ipympl" if mode == "ipympl" else "image"
    if not in_kernel():
        return "image"
    try:
        import ipympl  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return "image"
    return "ipympl"


def pyplot_is_ipympl() -> bool:
    """Whether pyplot's backend is ipympl (``%matplotlib widget``), so the viz layer's
    ``live=True`` already gives a widget canvas."""
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    return "ipympl" in backend or backend == "widget"


def attach_ipympl(figure: Figure) -> Any:
    """Give ``figure`` (created with ``live=False``) an ipympl canvas widget without
    touching pyplot's backend or figure registry; returns the canvas."""
    from ipympl.backend_nbagg import (  # type: ignore[import-untyped]
        Canvas,
        FigureManager,
    )

    canvas = Canvas(figure)
    FigureManager(canvas, 0)  # the canvas's messages are handled by its manager
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.resizable = False
    canvas.toolbar_visible = False
    return canvas


class FigureView:
    """How a figure is shown in a layout: ``widget`` is the ipympl canvas itself
    (``"ipympl"``) or an ``Image`` holding the last Agg render as PNG (``"image"``);
    ``box`` holds it above a text ``caption`` (``alt``: what the picture shows, for
    readers who cannot see it). Call :meth:`refresh` after ``canvas.draw_idle()``.

    No ``tooltip`` is set on the picture widget: ipywidgets' base view reads the
    model's ``description`` when a tooltip is set, and canvas/image models have none
    (the view then fails to render in JupyterLab)."""

    def __init__(self, owner: Any, mode: Literal["ipympl", "image"], alt: str) -> None:
        self.owner = owner  # a TimelineChart or StateDiagram (has .figure, .canvas)
        self.mode = mode
        self.widget: widgets.DOMWidget
        if mode == "ipympl":
            if not isinstance(owner.canvas, widgets.DOMWidget):
                owner.canvas = attach_ipympl(owner.figure)
            self.widget = owner.canvas
            self._image: widgets.Image | None = None
        else:
            self._image = widgets.Image(format="png")
            self._image.layout.max_width = "100%"
            self.widget = self._image
        self.caption = widgets.HTML(
            f"<div style='font-size:11px;line-height:1.35;color:#555;max-width:680px'>"
            f"{esc(alt)}</div>"
        )
        self.box = widgets.VBox([self.widget, self.caption])
        self.frames = 0

    def refresh(self) -> None:
        """Publish the figure's current pixels (a no-op for ipympl, which pulls them)."""
        self.frames += 1
        if self._image is None:
            return
        canvas = self.owner.canvas
        renderer = getattr(canvas, "get_renderer", None)
        if renderer is None or self.owner.figure.stale:
            canvas.draw()
        from PIL import Image

        buf = canvas.buffer_rgba()
        img = Image.frombuffer("RGBA", (buf.shape[1], buf.shape[0]), buf, "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        img.save(out, format="png", compress_level=1)
        self._image.value = out.getvalue()
