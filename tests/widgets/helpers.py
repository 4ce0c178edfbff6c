"""Helpers for the widget tests: a fingerprint of everything a figure draws."""

from __future__ import annotations

from typing import Any

from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text


def fingerprint(fig: Figure) -> list[Any]:
    """Data of every visible line, collection, patch and text (changes when the chart
    shows something different)."""
    out: list[Any] = []
    for artist in fig.findobj():
        if not artist.get_visible():
            continue
        if isinstance(artist, Line2D):
            out.append(("line", artist.get_xydata().round(6).tolist()))
        elif isinstance(artist, Collection):
            out.append(("coll", [p.vertices.round(6).tolist() for p in artist.get_paths()],
                        artist.get_facecolor().round(4).tolist()))
        elif isinstance(artist, Patch):
            out.append(("patch", artist.get_facecolor(), artist.get_linewidth()))
        elif isinstance(artist, Text):
            out.append(("text", artist.get_text(), artist.get_position()))
    return out
