"""Chains of services (frontend -> orders -> payments): the cascading-failure model.

Each hop has its own worker pool, queue and client (timeout, retries, fallback, breaker).
A service calls the next one *while holding its worker*, so when the last service slows
down the calls pile up hop by hop: without breakers upstream workers end up waiting on
timeouts and the failure spreads to the frontend; with breakers the calling hop fails
fast, serves its fallback and keeps its workers free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .client import Client
from .service import Service

__all__ = ["Hop", "build_chain"]


@dataclass(frozen=True)
class Hop:
    """One service of a chain and the client its caller uses to reach it.

    ``service`` are :class:`Service` keyword arguments (``workers``, ``queue_size``,
    ``latency``, ...); ``client`` are :class:`Client` keyword arguments (``timeout``,
    ``retries``, ``fallback``, ``breaker``, ...)."""

    name: str
    service: Mapping[str, Any]
    client: Mapping[str, Any]


def build_chain(hops: Sequence[Hop]) -> tuple[list[Service], Client]:
    """Build ``hops[0] -> hops[1] -> ...`` and return ``(services, entry_client)``:
    services in chain order and the client users call the first hop with. Raises
    ``ValueError`` for an empty chain or duplicated names, and whatever
    :class:`Service`/:class:`Client` raise for bad parameters."""
    if not hops:
        raise ValueError("hops must contain at least one service, got []")
    names = [h.name for h in hops]
    if len(set(names)) != len(names):
        raise ValueError(f"hop names must be distinct, got {names!r}")
    downstream: Client | None = None
    services: list[Service] = []
    for hop in reversed(hops):
        svc = Service(hop.name, downstream=downstream, **hop.service)
        services.append(svc)
        downstream = Client(svc, **hop.client)
    services.reverse()
    assert downstream is not None
    return services, downstream
