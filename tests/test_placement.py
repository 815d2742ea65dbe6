"""Properties of placement.py and routing.py, over generated routes and edit sequences.

- routing.patterns_cover is exact: checked against brute force over short strings, and
  so is its shortcut (two patterns whose fixed characters clash share no string).
- No automatically assigned priority ever lets a rule match first that covers another
  rule; only an explicit priority may (FC206 then warns).
- Edits keep everything of the services they do not touch: key, stack, priority; and a
  new priority never takes one the previous compile gave any rule.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compiler import checks
from compiler.diagnostics import Locator
from compiler.state import placement, routing
from compiler.pipeline import model_of

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# ---------------------------------------------------------------- glob inclusion
CHARS = "ab/"
pattern = st.text(alphabet="ab/*?", min_size=0, max_size=4)
STRINGS = ["".join(t) for n in range(8) for t in itertools.product("ab/c", repeat=n)]


def _regex(p: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p) + r"\Z", re.S)


@SETTINGS
@given(outer=st.lists(pattern, min_size=1, max_size=2), inner=pattern)
def test_patterns_cover_is_exact_on_short_patterns(outer, inner):
    outer_res = [_regex(p) for p in outer]
    inner_re = _regex(inner)
    counterexample = next((s for s in STRINGS if inner_re.match(s) and not any(r.match(s) for r in outer_res)),
                          None)
    # Patterns of at most 4 characters: a shortest counterexample is shorter than 8.
    assert routing.patterns_cover(tuple(outer), inner) == (counterexample is None), counterexample


@SETTINGS
@given(a=pattern, b=pattern)
def test_patterns_set_aside_as_clashing_share_no_string(a, b):
    """patterns_cover sets aside an outer pattern that shares no string with the inner one:
    whenever it judges so, brute force finds no string both match."""
    if routing._literals_clash(routing._tokens(a), routing._tokens(b)):
        # Patterns sharing a string share one of at most 6 characters: each character of a shortest
        # one is read by a non-"*" token of either (at most 3 beside a "*", else a fixed length <= 4).
        ra, rb = _regex(a), _regex(b)
        assert [s for s in STRINGS if len(s) <= 6 and ra.match(s) and rb.match(s)] == []


def test_clashing_literals_are_seen_from_either_end_and_by_length():
    clash = lambda a, b: routing._literals_clash(routing._tokens(a), routing._tokens(b))
    assert clash("/svc-001/*", "/svc-002/*") and clash("*.json", "*.yaml") and clash("/a?", "/a")
    assert not clash("/svc-001/*", "/svc-*") and not clash("/a/*", "*/b") and not clash("/a?c", "/a*")


def test_covers_examples():
    def http(paths, hosts=()):
        return model_of({"app": "a", "load_balancer": {}, "services": {"s": {
            "image": "x", "port": 80, "http": {"path": list(paths), "hosts": list(hosts)}}}}).services[0].http

    assert routing.covers(http(["/api/*"]), http(["/api/v2/*"]))
    assert not routing.covers(http(["/api/v2/*"]), http(["/api/*"]))
    assert routing.covers(http(["/api/*"]), http(["/api/"]))
    assert routing.covers(http(["/api/*", "/graphql"]), http(["/api/v2/*"]))
    assert routing.covers(http(["/*"]), http(["/x"], ["a.example.com"]))
    assert not routing.covers(http(["/*"], ["a.example.com"]), http(["/x"]))
    assert routing.covers(http(["/*"], ["*.example.com"]), http(["/x"], ["A.example.com"]))
    assert routing.covers(http(["/a*"]), http(["/a?*"]))


# ---------------------------------------------------------------- priority order
PATHS = ["/*", "/api/*", "/api/v2/*", "/api/", "/api/v?/*", "/graphql", "/a*", "/api/v2/users",
         "/static/*.js", "/static/*", "/*.js", "/x/*"]
HOSTS = [[], [], ["a.example.com"], ["*.example.com"], ["a.example.com", "b.example.com"]]

route = st.fixed_dictionaries({
    "path": st.lists(st.sampled_from(PATHS), min_size=1, max_size=3, unique=True),
    "hosts": st.sampled_from(HOSTS),
    "priority": st.one_of(st.none(), st.none(), st.none(), st.integers(1, 50000)),
})


def _spec(routes: dict[str, dict]) -> dict:
    services = {}
    for name, r in routes.items():
        http = {"path": r["path"], "hosts": r["hosts"]}
        if r.get("priority") is not None:
            http["priority"] = r["priority"]
        services[name] = {"image": "x", "port": 80, "http": http}
    return {"app": "shop", "load_balancer": {}, "services": services}


def _valid(app, routes: dict[str, dict]) -> bool:
    """What FC206 (checks/routes.py) lets through: no error for this spec."""
    data = _spec(routes)
    return not any(d.code == "FC206" and d.severity == "error"
                   for d in checks.routes.check(app, data, Locator("spec.yaml")))


def _assert_no_assigned_shadow(app) -> None:
    rules = [s for s in app.routed_services if not s.http.is_default]
    assert len({s.http.priority for s in rules}) == len(rules), "priorities are unique"
    for a in rules:
        for b in rules:
            if a is b or a.http.priority > b.http.priority:
                continue
            if routing.covers(a.http, b.http):
                # a is evaluated first and takes all of b's requests: only the user may choose that
                assert not a.http.assigned, (a.name, a.http, b.name, b.http)
                assert not b.http.assigned or not routing.covers(b.http, a.http)


names = st.text(alphabet="abcdefgh", min_size=1, max_size=6)


@SETTINGS
@given(routes=st.dictionaries(names, route, min_size=1, max_size=12))
def test_no_assigned_priority_ever_shadows_another_route(routes):
    app = model_of(_spec(routes))
    assume(_valid(app, routes))
    _assert_no_assigned_shadow(app)
    # and the lock round-trip keeps them: compiling again with the record changes nothing
    assert placement.place(app, placement.record(app)) == app


# ---------------------------------------------------------------- edits
edit = st.tuples(st.sampled_from(["add", "remove", "rename"]), names, route)


@SETTINGS
@given(start=st.dictionaries(names, route, min_size=1, max_size=10), edits=st.lists(edit, min_size=1, max_size=6))
def test_edits_move_no_other_service_and_reuse_no_priority(start, edits):
    routes = dict(start)
    app = model_of(_spec(routes))
    assume(_valid(app, routes))
    for kind, name, r in edits:
        new = dict(routes)
        touched = set()
        if kind == "add" and name not in new:
            new[name] = r
        elif kind == "remove" and len(new) > 1:
            touched.add(sorted(new)[len(name) % len(new)])
            del new[sorted(new)[len(name) % len(new)]]
        elif kind == "rename" and name not in new:
            old = sorted(new)[len(name) % len(new)]
            touched.add(old)
            new = {(name if k == old else k): v for k, v in new.items()}
        else:
            continue
        lock = placement.record(app)
        nxt = model_of(_spec(new), lambda _stack: lock)
        if not _valid(nxt, new):
            continue
        _assert_no_assigned_shadow(nxt)
        before = {s.name: s for s in app.services}
        previous_priorities = {s.http.priority for s in app.services if s.http and not s.http.is_default}
        for s in nxt.services:
            if s.name in before and s.name not in touched:
                was = before[s.name]
                assert (s.key, s.group) == (was.key, was.group)
                if s.http.assigned and was.http.assigned:
                    # kept, unless an explicit priority of this edit's new service took its place,
                    # or an edited neighbour now must come after it
                    assert s.http.priority == was.http.priority or s.http.priority not in previous_priorities
            elif s.http.assigned:
                assert s.http.priority not in previous_priorities, (s.name, s.http.priority)
        app, routes = nxt, new


# ---------------------------------------------------------------- queue names
queue_kind = st.sampled_from([None, "s", "f"])        # not subscribing, standard topic, FIFO topic


def _messaging_spec(subscribers: dict[str, str | None]) -> dict:
    services = {"pub": {"image": "x", "port": 80, "publish": {"topics": [{"name": "s"}, {"name": "f", "fifo": True}]}}}
    for name, kind in subscribers.items():
        services[name] = {"image": "x"}
        if kind:
            services[name]["subscribe"] = {"topics": [{"service": "pub", "name": kind}]}
    return {"app": "shop", "services": services}


@SETTINGS
@given(steps=st.lists(st.dictionaries(names, queue_kind, max_size=5), min_size=2, max_size=6))
def test_a_queue_keeps_its_names_and_a_new_one_never_takes_an_earlier_name(steps):
    """Any sequence of adds, removals, subscription and FIFO switches: a subscriber whose queue
    stays keeps its names; every other queue gets names no earlier queue had."""
    lock, ever, before = None, set(), {}
    for subscribers in steps:
        app = model_of(_messaging_spec(subscribers), lambda _stack: lock)
        assert placement.place(app, placement.record(app)) == app
        now = {s.name: (s.queue_names, s.subscribe.queue.fifo) for s in app.services if s.subscribe}
        for name, (queues, fifo) in now.items():
            assert len(queues) == 2 and all(q.endswith(".fifo") == fifo for q in queues)
            if name in before and before[name][1] == fifo:
                assert queues == before[name][0]
            else:
                assert not set(queues) & ever, (name, queues)
        given_now = [q for queues, _ in now.values() for q in queues]
        assert len(given_now) == len(set(given_now))
        ever |= set(given_now)
        assert set(app.retired_queues) == ever - set(given_now)
        lock, before = placement.record(app), now


def test_an_explicit_priority_that_leaves_no_place_after_it_is_refused():
    """'/api/*' at 50000 (the last priority) and '/*' unpinned: no order-keeping priority is left
    for '/*', which placement then puts first. FC206 refuses it at the explicit priority (it was
    a warning about the user's rule, once hypothesis found it)."""
    routes = {"b": {"path": ["/*"], "hosts": [], "priority": None},
              "a": {"path": ["/api/*"], "hosts": [], "priority": 50000}}
    app = model_of(_spec(routes))
    found = [d for d in checks.routes.check(app, _spec(routes), Locator("spec.yaml")) if d.code == "FC206"]
    assert [(d.severity, d.path) for d in found] == [("error", "services.a.http.priority")], found
    assert "service b" in found[0].message and "50000" in found[0].message
    routes["a"]["priority"] = 40000   # room after it: b is placed after a, no finding
    app = model_of(_spec(routes))
    assert [s.http.priority > 40000 for s in app.services if s.name == "b"] == [True]
    assert not [d for d in checks.routes.check(app, _spec(routes), Locator("spec.yaml")) if d.code == "FC206"]
