"""Which ALB each listener-rule search runs for (load_balancers), and which ALB keeps
today's logical IDs: the parts of placement (placement.py) that are about several ALBs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from compiler import model as m
from compiler.state.naming import pascal


def first(app: m.App) -> str:
    """The name of the ALB holding today's logical IDs (key ""): "" for `load_balancer`."""
    return next((lb.name for lb in app.load_balancers if not lb.key), "")


def keep_first(app: m.App, previous: Mapping[str, Any] | None) -> m.App:
    """The ALB the last compile gave today's logical IDs keeps them (`first_load_balancer`),
    wherever it now stands in `load_balancers`: reordering the spec replaces no ALB. Without
    a record (or when that ALB is gone) the first in spec order has them (normalize)."""
    kept = previous.get("first_load_balancer") if isinstance(previous, Mapping) else None
    names = [lb.name for lb in app.load_balancers]
    if not isinstance(kept, str) or kept not in names or kept == first(app):
        return app
    return replace(app, load_balancers=tuple(
        replace(lb, key="" if lb.name == kept else pascal(lb.name)) for lb in app.load_balancers))


def listeners(app: m.App, own_span: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
    """(ALB name, automatic priority span) of every listener the services' rules go on: one
    per ALB (priorities are per listener: two ALBs' rules may share one); an existing ALB's
    span is its `priorities`. A name no ALB has (FC283 refuses it) still gets priorities."""
    spans = {lb.name: lb.existing.priorities if lb.existing else own_span for lb in app.load_balancers}
    names = dict.fromkeys([*spans, *(s.http.load_balancer for s in app.routed_services)])
    return [(name, spans.get(name, own_span)) for name in names]
