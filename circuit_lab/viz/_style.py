"""Colours, labels and sizes shared by every chart (Okabe-Ito colour-blind-safe palette).

Colour is never the only cue: every state span carries a text label, every outcome has a
legend entry, and the fault lane writes the fault's name.
"""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common forms
# of colour blindness, and different in lightness so they survive greyscale printing.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
YELLOW = "#F0E442"
ORANGE = "#E69F00"
BLUISH_GREEN = "#009E73"
SKY_BLUE = "#56B4E9"
REDDISH_PURPLE = "#CC79A7"
GREY = "#9A9A9A"
INK = "#222222"

# state name ("closed" / "open" / "half_open") -> (fill colour, text colour, long, short)
STATE_NAMES: tuple[str, str, str] = ("closed", "open", "half_open")
# "unguarded" is the band of a service that no breaker guards (e.g. a run without breakers).
STATE_FILL: dict[str, str] = {
    "closed": BLUE, "open": VERMILLION, "half_open": YELLOW, "unguarded": "#E4E4E4"
}
STATE_TEXT: dict[str, str] = {
    "closed": "white", "open": "white", "half_open": INK, "unguarded": INK
}
STATE_LABEL: dict[str, str] = {
    "closed": "CLOSED", "open": "OPEN", "half_open": "HALF-OPEN", "unguarded": "NO BREAKER"
}
STATE_SHORT: dict[str, str] = {"closed": "C", "open": "O", "half_open": "H", "unguarded": "-"}

# outcome code -> (legend label, colour); stacked bottom-up in this order
OUTCOME_ORDER: tuple[int, ...] = (0, 1, 2, 3)  # SUCCESS, FAILURE, TIMEOUT, REJECTED
OUTCOME_LABEL: dict[int, str] = {0: "success", 1: "failure", 2: "timeout", 3: "rejected"}
OUTCOME_COLOR: dict[int, str] = {0: BLUISH_GREEN, 1: VERMILLION, 2: REDDISH_PURPLE, 3: GREY}
N_OUTCOME_CODES = 5  # SUCCESS, FAILURE, TIMEOUT, REJECTED, IGNORED

RATE_COLOR = INK
THRESHOLD_COLOR = VERMILLION

# fault kind -> shading colour (drawn with low alpha) and lane colour
FAULT_COLOR: dict[str, str] = {
    "outage": "#555555",
    "error_rate": VERMILLION,
    "latency": REDDISH_PURPLE,
    "peak": SKY_BLUE,
}
FAULT_LABEL: dict[str, str] = {
    "outage": "outage",
    "error_rate": "errors",
    "latency": "slow",
    "peak": "traffic peak",
}
FAULT_DEFAULT_COLOR = "#777777"
FAULT_SHADE_ALPHA = 0.13

FONT_SIZE = 8.5
SMALL_FONT = 7.5
