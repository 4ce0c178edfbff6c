"""Argument checks shared by every layer.

Each check returns the value (normalised to ``int`` or ``float``) or raises an error that
names the parameter, shows the value it got and states the allowed range, so bad input
never turns into a silent default or a crash deep inside.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["check_fraction", "check_int", "check_number", "check_seconds"]


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` if it is an ``int`` in ``[minimum, maximum]``.

    Raises ``TypeError`` for ``bool``, ``float``, ``str`` and other non-integers, and
    ``ValueError`` for an integer out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r} ({_type_name(value)})")
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an int {allowed}, got {value!r}")
    return int(value)


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
    unit: str = "",
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds.

    Raises ``TypeError`` for non-numbers (``bool`` and strings included) and
    ``ValueError`` for NaN, infinity or a value out of range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r} ({_type_name(value)})")
    number = float(value)
    low_ok = number >= minimum if min_inclusive else number > minimum
    high_ok = number <= maximum if max_inclusive else number < maximum
    if math.isnan(number) or math.isinf(number) or not (low_ok and high_ok):
        parts = []
        if minimum != -math.inf:
            parts.append(f"{'>=' if min_inclusive else '>'} {minimum:g}")
        if maximum != math.inf:
            parts.append(f"{'<=' if max_inclusive else '<'} {maximum:g}")
        allowed = " and ".join(parts) if parts else "finite"
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be a finite number {allowed}{suffix}, got {value!r}")
    return number


def check_seconds(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return a finite duration in seconds: ``>= 0`` (or ``> 0`` when ``allow_zero`` is
    false). Raises ``TypeError``/``ValueError`` as :func:`check_number`."""
    return check_number(name, value, minimum=0.0, min_inclusive=allow_zero, unit="seconds")


def check_fraction(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return a probability or rate in ``[0, 1]`` (``(0, 1]`` when ``allow_zero`` is
    false). Raises ``TypeError``/``ValueError`` as :func:`check_number`."""
    return check_number(name, value, minimum=0.0, maximum=1.0, min_inclusive=allow_zero)
