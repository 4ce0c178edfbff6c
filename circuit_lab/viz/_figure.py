"""Creating figures for headless/static use or for a live ipympl canvas."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font

from circuit_lab._validate import check_int, check_number


def check_figsize(figsize: Any) -> tuple[float, float]:
    """``(width, height)`` in inches, each > 0 and <= 50."""
    if not isinstance(figsize, (tuple, list)) or len(figsize) != 2:
        raise ValueError(f"figsize must be a (width, height) pair in inches, got {figsize!r}")
    w = check_number("figsize[0]", figsize[0], minimum=0.0, maximum=50.0, min_inclusive=False)
    h = check_number("figsize[1]", figsize[1], minimum=0.0, maximum=50.0, min_inclusive=False)
    return w, h


def new_figure(figsize: Any, dpi: Any, live: bool) -> LayeredFigure:
    """A new figure of ``figsize`` inches at ``dpi``.

    ``live=False``: a :class:`LayeredFigure` (a ``Figure``) on an Agg canvas, unknown
    to pyplot (no global state, nothing displayed, garbage-collected normally).
    ``live=True``: created through pyplot inside ``plt.ioff()`` so that with the ipympl
    backend (``%matplotlib widget``) ``fig.canvas`` is a widget that a layout can show
    once; the figure is *not* displayed automatically. Its header is hidden."""
    size = check_figsize(figsize)
    dpi_value = check_int("dpi", dpi, minimum=20, maximum=600)
    if not live:
        fig = LayeredFigure(figsize=size, dpi=dpi_value)
        FigureCanvasAgg(fig)
        return fig
    import matplotlib.pyplot as plt

    with plt.ioff():
        managed = plt.figure(figsize=size, dpi=dpi_value, FigureClass=LayeredFigure)
    if not isinstance(managed, LayeredFigure):  # pragma: no cover - pyplot honours it
        raise TypeError(f"expected a LayeredFigure, got {type(managed).__name__}")
    fig = managed
    canvas = fig.canvas
    for attribute in ("header_visible", "footer_visible"):
        if hasattr(canvas, attribute):
            setattr(canvas, attribute, False)
    if hasattr(canvas, "resizable"):
        canvas.resizable = False
    return fig


def png_bytes(fig: Figure, *, dpi: float | None = None) -> bytes:
    """The figure rendered as PNG bytes (for ``IPython.display.Image`` in notebooks that
    must show a static picture even without a kernel)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi if dpi is not None else fig.dpi)
    return buffer.getvalue()


class _TextCache:
    """Rendered text, cached as coverage bitmaps keyed by string, font and dpi.

    Since matplotlib 3.11 Agg lays out and rasterises every glyph of every label on
    every draw (~1 ms per label here); a live chart redraws the same few dozen labels
    each frame. Horizontal, non-math text is rendered once on a scratch Agg canvas and
    afterwards blended in one call with the current colour (at whole-pixel positions).
    Anything else, or any failure, falls back to the renderer's own ``draw_text``."""

    def __init__(self, limit: int = 2048) -> None:
        self.limit = limit
        self.bitmaps: dict[Any, tuple[Any, int, int]] = {}
        self.metrics: dict[Any, tuple[Any, Any, Any]] = {}
        self.enabled = True
        self._dpi = 72.0

    def wrap(self, renderer: Any) -> Any:
        """Install the cache on ``renderer``; returns the original ``draw_text``."""
        original = renderer.draw_text
        self._dpi = float(renderer.dpi)

        def draw_text(
            gc: Any,
            x: float,
            y: float,
            s: str,
            prop: Any,
            angle: float,
            ismath: Any = False,
            mtext: Any = None,
        ) -> None:
            if not self.enabled or ismath or angle % 360.0 or not s:
                original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
                return
            try:
                self._draw(renderer, gc, x, y, s, prop, mtext)
            except Exception:  # pragma: no cover - unexpected matplotlib internals
                self.enabled = False
                original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

        renderer.draw_text = draw_text
        if not hasattr(type(renderer), "_get_font_height_metrics"):
            # matplotlib 3.11's Text layout re-reads font tables for every label on
            # every draw unless the renderer offers these metrics; same formula, cached.
            renderer._get_font_height_metrics = self.font_height_metrics
        return original

    def unwrap(self, renderer: Any, original: Any) -> None:
        """Undo :meth:`wrap`."""
        renderer.draw_text = original
        if "_get_font_height_metrics" in vars(renderer):
            del renderer._get_font_height_metrics

    def font_height_metrics(self, prop: Any) -> tuple[Any, Any, Any]:
        """``(ascent, descent, line_gap)`` in pixels of the font of ``prop`` at the
        renderer's dpi (as ``Text._get_layout`` computes them), or ``None``s."""
        key = ("metrics", hash(prop), prop.get_size_in_points(), self._dpi)
        cached = self.metrics.get(key)
        if cached is None:
            cached = (None, None, None)
            try:
                font: Any = get_font(fontManager._find_fonts_by_props(prop))
                for table_name, gap_key, ascent_key, descent_key in (
                    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                    ("hhea", "lineGap", "ascent", "descent"),
                ):
                    table = font.get_sfnt_table(table_name)
                    if table is None:
                        continue
                    units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
                    scale = prop.get_size_in_points() * self._dpi / 72 / units_per_em
                    cached = (
                        table[ascent_key] * scale,
                        -table[descent_key] * scale,
                        table[gap_key] * scale,
                    )
                    break
            except Exception:  # pragma: no cover - fall back to matplotlib's own path
                cached = (None, None, None)
            self.metrics[key] = cached
        return cached

    def _draw(
        self, renderer: Any, gc: Any, x: float, y: float, s: str, prop: Any, mtext: Any
    ) -> None:
        antialiased = bool(gc.get_antialiased())
        key = (s, hash(prop), prop.get_size_in_points(), renderer.dpi, antialiased)
        entry = self.bitmaps.get(key)
        if entry is None:
            entry = self._render(renderer, s, prop, antialiased, mtext)
            if len(self.bitmaps) >= self.limit:
                self.bitmaps.clear()
            self.bitmaps[key] = entry
        coverage, px, py = entry
        # y is measured downwards here (Agg flips), the baseline of the text.
        left = round(x) - px
        bottom = round(y) - py + coverage.shape[0]
        renderer._renderer.draw_text_image(coverage, left, bottom, 0, gc)

    @staticmethod
    def _render(
        renderer: Any, s: str, prop: Any, antialiased: bool, mtext: Any
    ) -> tuple[Any, int, int]:
        width, height, descent = renderer.get_text_width_height_descent(s, prop, False)
        pad = 3
        w = math.ceil(width) + 2 * pad
        h = math.ceil(height) + 2 * pad
        px, py = pad, pad + math.ceil(height - descent)
        agg: Any = RendererAgg
        scratch = agg(w, h, renderer.dpi)
        gc = scratch.new_gc()
        gc.set_foreground((0.0, 0.0, 0.0, 1.0))
        gc.set_antialiased(antialiased)
        agg.draw_text(scratch, gc, px, py, s, prop, 0.0, ismath=False, mtext=mtext)
        gc.restore()
        coverage = np.ascontiguousarray(np.asarray(scratch.buffer_rgba())[:, :, 3])
        return coverage, px, py


_TEXT_CACHE = _TextCache()


class LayeredFigure(Figure):
    """A figure that renders its static artists once and reuses that picture.

    Artists registered with :meth:`add_dynamic` are marked *animated*: a plain draw
    skips them, so the first Agg draw renders everything else (axes frames, labels,
    legend, fixed tick labels) and copies the pixels; later draws restore that copy
    and draw only the dynamic artists on top (blitting, but inside ``canvas.draw()``,
    so ``draw_idle()`` and ipympl benefit too). The copy is rebuilt when the renderer,
    its size, the figure's children or :attr:`static_key` change. Saving a file, or
    any non-Agg renderer, always draws everything the ordinary way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dynamic: list[tuple[Any, Any]] = []  # (axes or None, artist)
        self._background: Any = None
        self._background_key: Any = None
        self.static_key: Any = None
        """Anything that changes the static picture (set by the chart on update)."""

    def add_dynamic(self, *artists: Any) -> None:
        """Redraw ``artists`` on every draw (they are set animated)."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append((getattr(artist, "axes", None), artist))
        self._dynamic.sort(key=lambda pair: pair[1].get_zorder())

    def _repr_png_(self) -> bytes:
        """PNG for IPython: a returned figure shows as a picture under any backend
        (and stays visible in a notebook read without a kernel)."""
        return png_bytes(self)

    def invalidate(self) -> None:
        """Forget the cached static picture (after changing static artists by hand)."""
        self._background_key = None

    def draw(self, renderer: Any) -> None:
        canvas = self.canvas
        if (
            not self._dynamic
            or canvas.is_saving()
            or not isinstance(renderer, RendererAgg)
            or not hasattr(renderer, "copy_from_bbox")
            or not self.get_visible()
        ):
            super().draw(renderer)
            return
        key = (
            id(renderer),
            renderer.width,
            renderer.height,
            renderer.dpi,
            self.static_key,
            len(self.get_children()),
            tuple(len(ax.get_children()) for ax in self.axes),
        )
        original = _TEXT_CACHE.wrap(renderer)
        try:
            if key != self._background_key or self._background is None:
                super().draw(renderer)  # animated (dynamic) artists are skipped
                self._background = renderer.copy_from_bbox(self.bbox)
                self._background_key = key
            else:
                restore: Any = renderer.restore_region
                restore(self._background)
            for _axes, artist in self._dynamic:
                if artist.get_visible():
                    artist.draw(renderer)
        finally:
            _TEXT_CACHE.unwrap(renderer, original)
        self.stale = False
