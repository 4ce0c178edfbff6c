"""StateDiagram: the current state is highlighted, the rules are written on the arrows."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from circuit_lab import CircuitBreaker, FailureRate, ManualClock, State
from circuit_lab.viz import StateDiagram
from circuit_lab.viz._style import STATE_FILL


def _highlighted(diagram: StateDiagram) -> list[str]:
    return [
        name
        for name, circle in diagram.nodes.items()
        if to_hex(circle.get_facecolor()) == to_hex(STATE_FILL[name])
    ]


def test_highlights_the_current_state() -> None:
    diagram = StateDiagram()
    assert diagram.current == "closed"
    assert _highlighted(diagram) == ["closed"]
    nodes = dict(diagram.nodes)
    diagram.update(State.OPEN)
    assert diagram.current == "open"
    assert _highlighted(diagram) == ["open"]
    assert diagram.nodes == nodes  # same patches, restyled
    assert diagram.labels["open"].get_fontweight() == "bold"
    assert diagram.labels["closed"].get_fontweight() == "normal"
    assert diagram.nodes["open"].get_linewidth() > diagram.nodes["closed"].get_linewidth()
    assert "OPEN" in diagram.caption.get_text()
    # the arrow just taken is highlighted, the others are not
    widths = {edge: arrow.get_linewidth() for edge, arrow in diagram.arrows.items()}
    assert widths[("closed", "open")] == max(widths.values())
    assert sorted(widths.values())[-2] < widths[("closed", "open")]


@pytest.mark.parametrize("state", ["half_open", "HALF-OPEN", 2, State.HALF_OPEN])
def test_accepts_state_names_codes_and_enums(state: object) -> None:
    diagram = StateDiagram(state)
    assert _highlighted(diagram) == ["half_open"]


def test_follows_a_breaker() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(2, 10.0, clock=clock)
    diagram = StateDiagram(breaker.state, failure_threshold=2, recovery_timeout=10.0)
    for _ in range(2):
        breaker.acquire().failure(RuntimeError())
    diagram.update(breaker)
    assert _highlighted(diagram) == ["open"]
    clock.advance(10.0)
    diagram.update(breaker)
    assert _highlighted(diagram) == ["half_open"]
    assert diagram.arrows[("open", "half_open")].get_linewidth() > 2.0


def test_rules_on_the_arrows() -> None:
    diagram = StateDiagram(failure_threshold=3, recovery_timeout=15.0, success_threshold=2)
    rules = {edge: text.get_text() for edge, text in diagram.rule_texts.items()}
    assert "3 consecutive" in rules[("closed", "open")]
    assert "15 s" in rules[("open", "half_open")]
    assert rules[("half_open", "closed")] == "2 trials succeed"
    assert rules[("half_open", "open")] == "a trial fails"
    diagram.set_rules(policy=FailureRate(0.25, window=40))
    assert "25%" in diagram.rule_texts[("closed", "open")].get_text()
    assert "40 calls" in diagram.rule_texts[("closed", "open")].get_text()
    diagram.set_rules(settings={"policy": "rate", "failure_rate_threshold": 0.6, "window": 10})
    assert "60%" in diagram.rule_texts[("closed", "open")].get_text()


def test_bad_state_and_settings() -> None:
    with pytest.raises(ValueError, match="state"):
        StateDiagram("ajar")
    diagram = StateDiagram()
    with pytest.raises(ValueError, match="state code"):
        diagram.update(7)
    with pytest.raises(ValueError, match="recovery_timeout"):
        diagram.set_rules(recovery_timeout=-1.0)


def test_renders_a_picture() -> None:
    diagram = StateDiagram("open")
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(diagram.to_png())) as im:
        px = np.asarray(im.convert("RGB"), dtype=float)
    assert px.shape == (320, 440, 3)
    assert px.std() > 20.0


def test_settings_alone_give_the_rules() -> None:
    settings = {"failure_threshold": 3, "recovery_timeout": 10.0, "policy": "consecutive"}
    diagram = StateDiagram(settings=settings)
    assert "3 consecutive" in diagram.rule_texts[("closed", "open")].get_text()
    assert "10 s" in diagram.rule_texts[("open", "half_open")].get_text()
    keyword = StateDiagram(settings=settings, recovery_timeout=4.0)
    assert "4 s" in keyword.rule_texts[("open", "half_open")].get_text()


@pytest.mark.parametrize("figsize", [(3.4, 2.3), (4.0, 2.7), (5.0, 5.0)])
def test_circles_stay_round_at_any_size(figsize: tuple[float, float]) -> None:
    diagram = StateDiagram(figsize=figsize)
    ax = diagram.axes
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_in, height_in = diagram.figure.get_size_inches()
    assert (x1 - x0) / width_in == pytest.approx((y1 - y0) / height_in)
    for name, circle in diagram.nodes.items():  # every state inside the picture
        cx, cy = circle.center
        assert x0 < cx - circle.radius and cx + circle.radius < x1, name
        assert y0 < cy - circle.radius and cy + circle.radius < y1, name
