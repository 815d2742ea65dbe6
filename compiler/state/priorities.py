"""Listener-rule priorities: the automatic priority of each rule on one ALB's listener
(placement.py calls `priorities` once per listener, see albs.listeners).

A new priority never reuses one the previous compile gave any rule (a renamed service's
new rule is created while the old one still holds its priority), and is found in the
rule's specificity band (routing.band), at a slot hashed from the service's name, so
without a lock, too, unrelated rules rarely influence each other. Within and across
bands, no automatic priority lets a rule match first that covers another rule
(routing.covers); only an explicit `priority` can (FC206 warns).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

from compiler import model as m
from compiler.state import albs, routing

FIRST_AUTO_PRIORITY = 1000
LAST_PRIORITY = 50000
BAND_WIDTH = (LAST_PRIORITY - FIRST_AUTO_PRIORITY + 1) // routing.BANDS

# The automatic priorities of a listener of ours; an existing ALB's are its `priorities` range.
OWN_SPAN = (FIRST_AUTO_PRIORITY, LAST_PRIORITY)


def band_range(http: m.Http, span: tuple[int, int] = OWN_SPAN) -> range:
    """The rule's specificity band within `span` (first, last): the whole span when it is too
    narrow for every band to have a priority of its own."""
    width = (span[1] - span[0] + 1) // routing.BANDS
    if width == 0:
        return range(span[0], span[1] + 1)
    start = span[0] + routing.band(http) * width
    return range(start, start + width)


def _slot(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % BAND_WIDTH


def _route(http: m.Http) -> tuple:
    return tuple(sorted(http.paths)), tuple(sorted(http.hosts))


@dataclass(frozen=True)
class _Rule:
    """An additional rule, shaped as a routed service for _priorities: `name` is
    rule_name(service, index), `http` the model.Route (paths, hosts, priority)."""

    name: str
    http: m.Route
    service: str
    index: int


def rule_name(service: str, index: int) -> str:
    # "#" is in no service name: never the name of a service's own rule.
    return f"{service}#{index + 1}"


def _previous_priority(s, entries: dict[str, dict], origin: dict[str, str]) -> int | None:
    """The priority the previous compile gave a service's rule or one of its additional rules."""
    if isinstance(s, _Rule):
        rules = entries.get(origin.get(s.service, ""), {}).get("rules", [])
        return rules[s.index] if s.index < len(rules) else None
    return entries.get(origin.get(s.name, ""), {}).get("priority")


def _entry_lb(entry: Mapping[str, Any], first: str) -> str:
    return entry.get("load_balancer", first)


def priorities(app: m.App, entries: dict[str, dict], origin: dict[str, str], lb_name: str,
                span: tuple[int, int]) -> dict[str, int]:
    """The automatic priorities of the rules on ALB `lb_name`'s listener, within `span`."""
    routed = [s for s in app.routed_services if s.http.load_balancer == lb_name]
    first = albs.first(app)
    entries = {n: e for n, e in entries.items() if _entry_lb(e, first) == lb_name}
    rules: list = [s for s in routed if not s.http.is_default]
    rules += [_Rule(rule_name(s.name, i), r, s.name, i)
              for s in routed for i, r in enumerate(s.http.additional_rules)]
    explicit = {s.name: s.http.priority for s in rules if s.http.priority is not None}
    auto = [s for s in rules if s.http.priority is None]
    placed: dict[str, int] = dict(explicit)
    by_name = {s.name: s for s in rules}
    taken = set(explicit.values())
    # A shifted service's header test rule sits just before its production rule (one less);
    # a shifted default service's rules take the last two (stacks/alb_shift.py).
    header_test = {s.name for s in rules if _header_test(s)}
    taken |= {p - 1 for n, p in explicit.items() if n in header_test}
    if any(s.http.is_default and s.deployment.shifted for s in routed):
        taken |= {LAST_PRIORITY, LAST_PRIORITY - 1}

    def free(s: m.Service, p: int, used: set[int]) -> bool:
        return p not in used and (s.name not in header_test or (p > 1 and p - 1 not in used))

    def bounds(s: m.Service) -> tuple[int, int]:
        """(lo, hi): the priority must lie strictly between. No automatic rule goes before
        a rule it covers, or after an automatic rule that covers it (an explicit one may:
        the user chose it, and FC206 warns)."""
        lo, hi = 0, LAST_PRIORITY + 1
        for other, at in placed.items():
            o = by_name[other]
            ahead = routing.covers(s.http, o.http)
            behind = routing.covers(o.http, s.http)
            if ahead and behind:
                continue          # the same requests: FC206 refuses the spec
            if ahead:
                lo = max(lo, at)
            elif behind and other not in explicit:
                hi = min(hi, at)
        return lo, hi

    assigned: dict[str, int] = {}
    previous = {s.name: _previous_priority(s, entries, origin) for s in auto}
    for s in sorted((s for s in auto if previous[s.name] is not None), key=lambda s: previous[s.name]):
        p = previous[s.name]
        lo, hi = bounds(s)
        if p in band_range(s.http, span) and free(s, p, taken) and lo < p < hi:
            placed[s.name] = assigned[s.name] = p
            taken |= {p, p - 1} if s.name in header_test else {p}
    # Every priority the previous compile used stays reserved: its rule may still exist
    # while this update runs (a removed or renamed service's rule goes only in cleanup).
    reserved = {e[k] for e in entries.values() for k in ("priority", "fixed_priority") if k in e}
    reserved |= {p for e in entries.values() for p in e.get("rules", ()) if p is not None}
    current = {origin.get(s.name) for s in app.services}
    same_route = {e["route"]: e["priority"] for n, e in entries.items()
                  if n not in current and "priority" in e and "route" in e}
    for s in sorted((s for s in auto if s.name not in assigned), key=lambda s: s.name):
        p = _free(s, taken | reserved, bounds(s), same_route.get(_route(s.http)),
                  lambda p, used, s=s: free(s, p, used), span)
        placed[s.name] = assigned[s.name] = p
        taken |= {p, p - 1} if s.name in header_test else {p}
    return assigned


def _header_test(s: m.Service | _Rule) -> bool:
    """A shifted service tested by header: its test rule takes the priority before its own.
    (An additional rule has no deployment of its own: it is not shifted.)"""
    if not isinstance(s, m.Service):
        return False
    t = s.deployment.test_traffic
    return s.deployment.shifted and t is not None and t.header is not None


def _free(s: m.Service, taken: set[int], bounds: tuple[int, int], after: int | None,
          free=lambda p, used: p not in used, span: tuple[int, int] = OWN_SPAN) -> int:
    """The first free priority that keeps the order, from the service's hash slot in its
    band; when a gone rule had the same route (a rename), after that rule's priority
    first, so the old rule keeps the traffic until the new service is up and the old rule
    is deleted."""
    lo, hi = bounds
    band = band_range(s.http, span)
    start = _slot(s.name)
    ring = [band[(start + i) % len(band)] for i in range(len(band))]
    if after is not None:
        ring = [p for p in ring if p > after] + [p for p in ring if p <= after]
    for p in ring:
        if free(p, taken) and lo < p < hi:
            return p
    for p in range(span[0], span[1] + 1):
        if free(p, taken) and lo < p < hi:
            return p
    # No order-keeping place left: FC206 reports it. On an existing ALB, only its range.
    for p in range(1, LAST_PRIORITY + 1) if span == OWN_SPAN else range(span[0], span[1] + 1):
        if free(p, taken):
            return p
    if span != OWN_SPAN:
        return span[1]     # the range is full: FC283 refuses the spec
    raise ValueError("no free listener rule priority")  # 50000 rules: refused by FC206 first
