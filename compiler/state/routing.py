"""Which ALB listener rule matches every request another matches, and how specific a rule is.

ALB path patterns and host conditions are globs: `*` matches any run of characters
(none included), `?` exactly one; paths compare case-sensitively, hosts not. A rule
with paths P and hosts H matches the requests whose path matches one of P and (when H
is given) whose host matches one of H, so rule A *covers* rule B when B's paths are all
inside A's paths and B's hosts inside A's hosts (any host when A has none).

`covers` decides glob-language inclusion exactly (a small automaton search), so the
priority assignment (compiler/state/placement.py) and the shadowing warning (FC206) agree on
one definition. `band` is a coarse specificity that never decreases from a covered
rule to a covering one, so giving lower bands lower priority numbers can never put a
covering rule first.
"""

from __future__ import annotations

from functools import lru_cache

from compiler import model as m

# Rules whose least specific path needs at least this many characters share a band.
BAND_LENGTHS = 32
BANDS = 2 * BAND_LENGTHS  # with hosts, then without


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


@lru_cache(maxsize=4096)
def patterns_cover(outer: tuple[str, ...], inner: str) -> bool:
    """Whether every string `inner` matches is matched by one of the `outer` patterns."""
    a = _tokens(inner)
    bs = [_tokens(p) for p in outer]
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
    return all(patterns_cover(paths, p) for p in inner.paths)


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
