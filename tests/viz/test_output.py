"""Pictures: PNG files of the expected size that are not blank; the cached (layered)
drawing gives the same picture as a full redraw."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circuit_lab.sim.timeline import Timeline
from circuit_lab.viz import TimelineChart, compare, plot_timeline, png_bytes

from .timelines import make_timeline


def _pixels(data: bytes | Path) -> np.ndarray:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with Image.open(source) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


def _assert_not_blank(px: np.ndarray) -> None:
    assert px.std() > 25.0  # a blank or near-uniform image has ~0
    # several distinct colours: states, outcomes, text
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 50


def test_plot_timeline_png_is_800_by_400_and_not_blank(
    outage_timeline: Timeline, tmp_path: Path
) -> None:
    fig = plot_timeline(outage_timeline, title="outage")
    out = tmp_path / "timeline.png"
    fig.savefig(out)
    assert out.stat().st_size > 10_000
    px = _pixels(out)
    assert px.shape == (400, 800, 3)
    _assert_not_blank(px)


def test_png_bytes_and_repr_png(outage_timeline: Timeline) -> None:
    chart = TimelineChart(outage_timeline, figsize=(6.0, 3.5), dpi=120)
    px = _pixels(chart._repr_png_())
    assert px.shape == (420, 720, 3)
    assert _pixels(png_bytes(chart.figure)).shape == px.shape


def test_compare_png_has_one_panel_per_timeline(tmp_path: Path) -> None:
    a, b, c = (make_timeline(duration=30.0, seed=s, outage=(10.0, 20.0)) for s in range(3))
    fig = compare([a, b, c], ["one", "two", "three"])
    out = tmp_path / "compare.png"
    fig.savefig(out)
    px = _pixels(out)
    assert px.shape[1] == 800 and px.shape[0] > 600
    _assert_not_blank(px)


@pytest.mark.parametrize("window", [None, 20.0])
def test_cached_drawing_matches_a_full_redraw(
    outage_timeline: Timeline, window: float | None
) -> None:
    chart = TimelineChart(outage_timeline, window=window)
    chart.canvas.draw()
    chart.update(make_timeline(duration=45.0))  # cached static layer + dynamic artists
    chart.canvas.draw()
    cached = np.asarray(chart.canvas.buffer_rgba())[:, :, :3].astype(np.float64)
    full = _pixels(png_bytes(chart.figure))  # saving always draws everything in order
    assert cached.shape == full.shape
    diff = np.abs(cached - full)
    # text is blended at whole pixels and static labels sit under dynamic fills, so a
    # few pixels differ slightly; the picture is the same
    assert diff.mean() < 1.5
    assert (diff.max(axis=2) > 60).mean() < 0.01


def test_empty_timeline_draws_a_frame(tmp_path: Path) -> None:
    chart = TimelineChart(Timeline(["service"]), window=30.0)
    assert chart.panel.empty_text.get_visible()
    out = tmp_path / "empty.png"
    chart.savefig(out)
    px = _pixels(out)
    assert px.shape == (400, 800, 3)
    assert px.std() > 5.0


def test_returned_figures_display_as_png(outage_timeline: Timeline) -> None:
    fig = plot_timeline(outage_timeline)
    png = fig._repr_png_()  # what IPython shows for a figure left as a cell's value
    assert png.startswith(b"\x89PNG") and _pixels(png).shape == (400, 800, 3)
