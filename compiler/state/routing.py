"""Which ALB listener rule matches every request another matches, and how specific a rule is.

ALB path patterns and host conditions are globs: `*` matches any run of characters
(none included), `?` exactly one; paths compare case-sensitively, hosts not. A rule
with paths P and hosts H matches the requests whose path matches one of P and (when H
is given) whose host matches one of H, so rule A *covers* rule B when B's paths are all
inside A's paths and B's hosts inside A's hosts (any host when A has none), and each of A's
header, method, query and source-IP conditions is implied by one of B's (a rule with such
a condition covers no rule without it; headers and query strings compare case-insensitively
as globs, methods exactly, source IPs by CIDR containment).

`covers` decides glob-language inclusion exactly (a small automaton search), so the
priority assignment (compiler/state/placement.py) and the shadowing warning (FC206) agree on
one definition. `band` is a coarse specificity that never decreases from a covered
rule to a covering one, so giving lower bands lower priority numbers can never put a
covering rule first.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from compiler import model as m

# Rules whose least specific path needs at least this many characters share a band.
BAND_LENGTHS = 32
BANDS = 2 * BAND_LENGTHS  # with hosts, then without


@lru_cache(maxsize=8192)
def _tokens(pattern: str) -> tuple[str, ...]:
    out: list[str] = []
    for c in pattern:
        if c == "*" and out and out[-1] == "*":
            continue  # "**" matches what "*" does
        out.append(c)
    return tuple(out)


def _closure(tokens: tuple[str, ...], states) -> frozenset[int]:
    found = set(states)
    todo = list(states)
    while todo:
        i = todo.pop()
        if i < len(tokens) and tokens[i] == "*" and i + 1 not in found:
            found.add(i + 1)
            todo.append(i + 1)
    return frozenset(found)


def _step(tokens: tuple[str, ...], states: frozenset[int], char: str) -> frozenset[int]:
    """States after reading `char`; OTHER stands for any character no pattern names."""
    nxt = set()
    for i in states:
        if i >= len(tokens):
            continue
        t = tokens[i]
        if t == "*":
            nxt.add(i)
        elif t == "?" or t == char:
            nxt.add(i + 1)
    return _closure(tokens, nxt)


OTHER = "\0"


def _literals_clash(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether patterns `a` and `b` match no string in common, judged from what they fix
    alone: a character both fix at the same place from the start (before their first `*`)
    or from the end (after their last `*`), or lengths no string can have for both."""
    for x, y in zip(a, b):  # from the start, up to either's first "*"
        if x == "*" or y == "*":
            break
        if x != y and x != "?" and y != "?":
            return True
    for x, y in zip(reversed(a), reversed(b)):  # from the end, back to either's last "*"
        if x == "*" or y == "*":
            break
        if x != y and x != "?" and y != "?":
            return True
    shortest_a, shortest_b = len(a) - a.count("*"), len(b) - b.count("*")
    return ("*" not in a and shortest_b > len(a)) or ("*" not in b and shortest_a > len(b))


@lru_cache(maxsize=4096)
def patterns_cover(outer: tuple[str, ...], inner: str) -> bool:
    """Whether every string `inner` matches is matched by one of the `outer` patterns."""
    a = _tokens(inner)
    # An outer pattern sharing no string with `inner` cannot help to cover it: set aside
    # (the answer is the same without it), so routes of distinct literal prefixes, most
    # pairs of an app's routes, need no automaton search.
    bs = [b for b in map(_tokens, outer) if not _literals_clash(a, b)]
    if not bs:
        return False  # every pattern matches at least one string
    if a in bs or ("*",) in bs:
        return True
    alphabet = sorted({c for t in [a, *bs] for c in t if c not in "*?"}) + [OTHER]
    start = (_closure(a, {0}), tuple(_closure(b, {0}) for b in bs))
    seen = {start}
    todo = [start]
    while todo:
        sa, sbs = todo.pop()
        if len(a) in sa and not any(len(b) in sb for b, sb in zip(bs, sbs)):
            return False  # a string of `inner` that no outer pattern matches
        for c in alphabet:
            na = _step(a, sa, c)
            if not na:
                continue
            state = (na, tuple(_step(b, sb, c) for b, sb in zip(bs, sbs)))
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return True


def covers(outer: m.Http, inner: m.Http) -> bool:
    """Whether the rule of `outer` matches every request the rule of `inner` matches."""
    if outer.hosts:
        if not inner.hosts:
            return False
        hosts = tuple(h.lower() for h in outer.hosts)
        if not all(patterns_cover(hosts, h.lower()) for h in inner.hosts):
            return False
    paths = tuple(outer.paths)
    if not all(patterns_cover(paths, p) for p in inner.paths):
        return False
    return conditions_cover(outer.conditions, inner.conditions)


def conditions_cover(outer: m.Conditions, inner: m.Conditions) -> bool:
    """Whether every request meeting `inner`'s header, method, query and source conditions
    meets `outer`'s: each outer condition is implied by one of inner's (a rule with a header
    condition covers no rule without it). Rewrites do not change what matches."""
    for name, values in outer.headers:
        patterns = tuple(v.lower() for v in values)
        if not any(n.lower() == name.lower() and all(patterns_cover(patterns, v.lower()) for v in vs)
                   for n, vs in inner.headers):
            return False
    if outer.methods and not (inner.methods and set(inner.methods) <= set(outer.methods)):
        return False
    for key, values in outer.query:
        patterns = tuple(v.lower() for v in values)
        if not any(patterns_cover((key.lower(),), k.lower()) and all(patterns_cover(patterns, v.lower()) for v in vs)
                   for k, vs in inner.query):
            return False
    if outer.source_ips:
        nets = [n for n in map(cidr_network, outer.source_ips) if n is not None]
        inside = [cidr_network(c) for c in inner.source_ips]
        if not inside or not all(n is not None and any(n.version == o.version and n.subnet_of(o) for o in nets)
                                 for n in inside):
            return False
    return True


def cidr_network(cidr: str):
    """The CIDR's network, or None when it is not one (FC284 reports it)."""
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def conditions_key(c: m.Conditions) -> tuple:
    """The header, method, query and source conditions, order and case as ALB ignores them
    (empty for a route without any: route keys of older specs are unchanged)."""
    if not c.narrowing:
        return ()
    pairs = lambda items: tuple(sorted((k.lower(), tuple(sorted({v.lower() for v in vs}))) for k, vs in items))
    return pairs(c.headers), tuple(sorted(c.methods)), pairs(c.query), tuple(sorted(c.source_ips))


def min_length(pattern: str) -> int:
    """Characters every string the pattern matches has at least."""
    return sum(1 for c in pattern if c != "*")


def band(http: m.Http) -> int:
    """0 (most specific) .. BANDS-1: rules with hosts first, then by their least specific
    path's minimum length, longer first. If A covers B, band(B) <= band(A): B's hosts
    are only there if A has hosts or none, and each B path needs at least as many
    characters as the A path covering it."""
    shortest = min((min_length(p) for p in http.paths), default=0)
    within = BAND_LENGTHS - min(max(shortest, 1), BAND_LENGTHS)
    return (0 if http.hosts else BAND_LENGTHS) + within
