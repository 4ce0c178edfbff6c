"""Scenario parameters: lookup with close-match suggestions and text coercion.

Used by :mod:`circuit_lab.sim.scenarios` (keyword arguments) and the CLI
(``--set key=value``). Errors are ``ValueError``/``TypeError`` whose message names the
parameter, the value and what is allowed, in one line.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["check_names", "coerce", "parse_assignment", "suggest"]


def suggest(name: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check_names(
    given: Iterable[str], allowed: Mapping[str, Any], what: str, where: str = ""
) -> None:
    """Raise ``ValueError`` for the first name in ``given`` not in ``allowed``
    ("unknown {what} 'x'{where} (did you mean 'y'?); allowed: ...")."""
    for name in given:
        if name not in allowed:
            raise ValueError(
                f"unknown {what} {name!r}{where}{suggest(name, allowed)}; allowed: "
                + ", ".join(sorted(allowed))
            )


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``"key=value"``; raise ``ValueError`` if there is no ``=`` or no key."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set expects key=value, got {text!r}")
    return key, value.strip()


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def coerce(name: str, text: str, default: Any) -> Any:
    """Convert ``text`` to the type of ``default`` (bool, int, float, str; ``None``
    defaults accept ``none``, an integer (kept an int) or a number). Raises
    ``ValueError`` naming ``name``."""
    if isinstance(default, bool):
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{name} must be true or false, got {text!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{name} must be an integer, got {text!r}") from None
    if isinstance(default, float) or default is None:
        if default is None and text.lower() in ("none", ""):
            return None
        if default is None and text.strip().lstrip("+-").isdigit():
            return int(text)  # e.g. minimum_calls=20; an int is a number too
        try:
            value = float(text)
        except ValueError:
            allowed = "a number or none" if default is None else "a number"
            raise ValueError(f"{name} must be {allowed}, got {text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {text!r}")
        return value
    return text
