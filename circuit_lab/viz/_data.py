"""Turn a :class:`~circuit_lab.sim.timeline.Timeline` into plot-ready numpy arrays.

Pure functions, no matplotlib. The columns are *copied* out of the timeline's
``array.array`` buffers (microseconds for 60,000 rows), so the chart never holds a buffer
export that would stop the simulator from appending more rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._style import N_OUTCOME_CODES, STATE_NAMES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SUCCESS, FAILURE, TIMEOUT, REJECTED, IGNORED = 0, 1, 2, 3, 4

_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


def state_name(value: Any) -> str:
    """``"closed"`` / ``"open"`` / ``"half_open"`` for a ``State``, its value, its name
    or a ``STATE_CODES`` int (0, 1, 2). Raises ``ValueError`` for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"state must be a State, a state name or 0/1/2, got {value!r}")
    if isinstance(value, int):
        if 0 <= value < len(STATE_NAMES):
            return STATE_NAMES[value]
        raise ValueError(f"state code must be 0 (closed), 1 (open) or 2 (half_open), got {value}")
    raw = getattr(value, "value", value)
    if isinstance(raw, str):
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if name in STATE_NAMES:
            return name
    raise ValueError(
        f"state must be one of 'closed', 'open', 'half_open' (or a State), got {value!r}"
    )


def nice_step(raw: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k value >= ``raw`` (``raw`` > 0)."""
    exponent = math.floor(math.log10(raw))
    for step in _NICE_STEPS:
        candidate = step * 10.0**exponent
        if candidate >= raw * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)


def auto_bin_width(span: float, target_bins: int = 80) -> float:
    """A round bin width giving about ``target_bins`` bins (at most) over ``span`` s."""
    if span <= 0:
        return 1.0
    return nice_step(span / target_bins)


# ----------------------------------------------------------------------------- services
def resolve_service(timeline: Any, service: int | str | None) -> tuple[int, str]:
    """``(index, name)`` of ``service`` in ``timeline.services`` (``None``: the first).

    Raises ``ValueError`` naming the known services when it is not there."""
    names: Sequence[str] = tuple(getattr(timeline, "services", ()) or ())
    if service is None:
        return 0, (names[0] if names else "")
    if isinstance(service, bool):
        raise ValueError(f"service must be an index or a name, got {service!r}")
    if isinstance(service, int):
        if names and not 0 <= service < len(names):
            raise ValueError(
                f"service index must be in [0, {len(names) - 1}], got {service} "
                f"(services: {', '.join(names)})"
            )
        return service, (names[service] if names else str(service))
    if service in names:
        return names.index(service), service
    raise ValueError(
        f"service must be one of {', '.join(map(repr, names)) or '(none)'}, got {service!r}"
    )


def _same_service(value: Any, index: int, name: str) -> bool:
    return value is None or value in (index, name)


# ----------------------------------------------------------------------------- columns
@dataclass(frozen=True)
class Requests:
    """The request rows of one service: issue times and outcome codes (copies)."""

    time: FloatArray
    outcome: npt.NDArray[np.uint8]


def requests_of(timeline: Any, index: int) -> Requests:
    """Copy the ``time`` / ``outcome`` columns, keeping only rows of service ``index``."""
    n = len(timeline.time)
    time = np.frombuffer(timeline.time, dtype=np.float64, count=n).copy()
    outcome = np.frombuffer(timeline.outcome, dtype=np.uint8, count=n).copy()
    services = tuple(getattr(timeline, "services", ()) or ())
    if len(services) > 1 and n:
        service = np.frombuffer(timeline.service, dtype=np.uint16, count=n).copy()
        keep = service == index
        time, outcome = time[keep], outcome[keep]
    return Requests(time, outcome)


@dataclass(frozen=True)
class Binned:
    """Outcome counts per bin, as requests per second: ``rates[code]`` for each outcome
    code 0..4 over the bins delimited by ``edges`` (``len(edges) == nbins + 1``)."""

    edges: FloatArray
    rates: FloatArray  # shape (N_OUTCOME_CODES, nbins)


def bin_outcomes(req: Requests, x0: float, x1: float, width: float) -> Binned:
    """Bin the requests issued in ``[x0, x1]`` on a grid of multiples of ``width``.

    Bins are aligned to multiples of ``width`` (so a sliding window does not make them
    jitter); the first and last bins are clipped to ``[x0, x1]`` and a clipped bin
    narrower than 30% of ``width`` is merged into its neighbour. Counts are divided by
    each bin's actual width, so partial bins are not drawn artificially low."""
    if x1 <= x0:
        x1 = x0 + width
    k0 = math.floor(x0 / width + 1e-9)
    k1 = math.ceil(x1 / width - 1e-9)
    inner = np.arange(k0 + 1, k1, dtype=np.float64) * width
    edges = np.concatenate(([x0], inner, [x1]))
    if len(edges) > 2 and edges[1] - edges[0] < 0.3 * width:
        edges = np.delete(edges, 1)
    if len(edges) > 2 and edges[-1] - edges[-2] < 0.3 * width:
        edges = np.delete(edges, -2)
    nbins = len(edges) - 1
    t, o = req.time, req.outcome
    if len(t):
        keep = (t >= x0) & (t <= x1)
        t, o = t[keep], o[keep]
    idx = np.searchsorted(edges, t, side="right") - 1
    np.clip(idx, 0, nbins - 1, out=idx)
    flat = o.astype(np.intp) * nbins + idx
    counts = np.bincount(flat, minlength=N_OUTCOME_CODES * nbins)[: N_OUTCOME_CODES * nbins]
    rates = counts.reshape(N_OUTCOME_CODES, nbins) / np.diff(edges)
    return Binned(edges, rates.astype(np.float64))


def rolling_failure_rate(
    req: Requests,
    xs: FloatArray,
    *,
    window_seconds: float | None = None,
    window_calls: int | None = None,
) -> FloatArray:
    """Share of failed calls (failure or timeout among success/failure/timeout; rejected
    and ignored attempts never reached the service) in the window ending at each ``x``.

    Exactly one window kind: the last ``window_seconds`` seconds or the last
    ``window_calls`` calls. NaN where the window holds no call (the line breaks there)."""
    o = req.outcome
    called = o <= TIMEOUT
    t = req.time[called]
    failed = (o[called] != SUCCESS).astype(np.float64)
    if len(t) > 1 and not bool(np.all(t[1:] >= t[:-1])):
        order = np.argsort(t, kind="stable")
        t, failed = t[order], failed[order]
    cum = np.concatenate(([0.0], np.cumsum(failed)))
    hi = np.searchsorted(t, xs, side="right")
    if window_calls is not None:
        lo = np.maximum(hi - window_calls, 0)
    else:
        lo = np.searchsorted(t, xs - (window_seconds or 1.0), side="right")
    n = (hi - lo).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = (cum[hi] - cum[lo]) / n
    rate[n == 0] = np.nan
    return rate


# --------------------------------------------------------------------- states, events
@dataclass(frozen=True)
class Change:
    """One state transition as drawn: time, old and new state names, reason text."""

    time: float
    old: str
    new: str
    reason: str


def transitions_of(timeline: Any, index: int, name: str) -> list[Change]:
    """The transitions of one service, in time order."""
    out: list[Change] = []
    for tr in getattr(timeline, "transitions", ()):
        if _same_service(getattr(tr, "service", None), index, name):
            out.append(
                Change(float(tr.time), state_name(tr.old), state_name(tr.new), str(tr.reason))
            )
    return out


@dataclass(frozen=True)
class Fault:
    """A fault window as drawn (``end`` filled in with the timeline end when open)."""

    start: float
    end: float
    kind: str
    label: str


def faults_of(timeline: Any, end: float, service: str | None = None) -> list[Fault]:
    """All fault windows of the timeline (every service: a downstream outage is the
    cause of an upstream breaker's reaction), open ones extended to ``end``. The label
    of a fault on another service than ``service`` names that service."""
    out: list[Fault] = []
    for f in getattr(timeline, "faults", ()):
        f_end = end if f.end is None else float(f.end)
        label = str(getattr(f, "label", "") or "") or str(f.kind)
        where = getattr(f, "service", None)
        if service is not None and where is not None and where != service:
            label = f"{where}: {label}"
        out.append(Fault(float(f.start), f_end, str(f.kind), label))
    return out


# ----------------------------------------------------------------------------- policy
@dataclass(frozen=True)
class RatePolicy:
    """What the failure-rate panel should show for the breaker settings in force."""

    threshold: float | None  # fraction in (0, 1]; None: the policy has no rate threshold
    window_seconds: float | None
    window_calls: int | None
    description: str  # e.g. "last 20 calls", "last 10 s"


def rate_policy(settings: Mapping[str, Any] | None, default_seconds: float) -> RatePolicy:
    """Read the trip threshold and window from ``Timeline.settings``.

    Understands a ``policy`` given as a name (``"consecutive"``, ``"count_window"`` /
    ``"count"``, ``"time_window"`` / ``"time"``, ``"failure_rate"``) or as a policy
    object with ``threshold`` / ``window`` / ``window_seconds`` attributes (like
    ``FailureRate``). Without a rate policy the rolling rate uses ``default_seconds``."""
    settings = settings or {}
    policy = settings.get("policy")
    threshold = settings.get("failure_rate_threshold")
    window = settings.get("window")
    window_seconds = settings.get("window_seconds")
    kind = ""
    if isinstance(policy, str):
        kind = policy.lower()
    elif policy is not None:
        kind = type(policy).__name__.lower()
        if getattr(policy, "window", None) is not None:
            kind, window = "count_window", policy.window
        elif getattr(policy, "window_seconds", None) is not None:
            kind, window_seconds = "time_window", policy.window_seconds
        if isinstance(getattr(policy, "threshold", None), float):
            threshold = policy.threshold
    is_rate = any(word in kind for word in ("rate", "window", "count", "time"))
    if not is_rate:
        threshold = None
    if threshold is not None:
        threshold = float(threshold)
        if threshold > 1.0:  # given in percent
            threshold /= 100.0
    count_kind = "count" in kind or (isinstance(window, int) and "time" not in kind)
    if is_rate and count_kind and isinstance(window, (int, float)) and window >= 1:
        calls = int(window)
        return RatePolicy(threshold, None, calls, f"last {calls} calls")
    if is_rate:
        seconds = window_seconds if window_seconds is not None else window
        if isinstance(seconds, (int, float)) and seconds > 0:
            return RatePolicy(threshold, float(seconds), None, f"last {float(seconds):g} s")
    return RatePolicy(threshold, default_seconds, None, f"last {default_seconds:g} s")
