"""Where each service's resources live, and what they are called: stable across updates.

Three things are decided per service — its logical-ID prefix (`key`), its services
stack (`group`) and its automatic listener-rule priority — so that adding, removing or
renaming one service changes none of another service's resources; and a subscriber's
queue names, so that no new queue takes the name of a retained one (`_queues`):

- A service keeps what the previous compile gave it (the lock file, see lockfile.py).
  New services get a stack with room (the first numbered one holding fewer than
  SERVICES_PER_STACK) and a fresh priority; nobody else moves.
- A new priority is found per listener by priorities.py (never one the previous compile
  gave any rule; in the rule's specificity band, from a slot hashed from its name; no
  automatic priority lets a rule match first that covers another).
- A Service Connect alias can be held by one service only: a new service that
  claims the alias of a service that is gone is that service renamed, and keeps its
  key, stack and priority, so the update modifies it in place instead of creating a
  second claimant.

With no previous compile the result is a pure function of the spec: services fill
stacks in spec order, priorities come from the hash slots, probed in name order.
`record` turns a placed app into the lock's data; `place(app, record(app))` is `app`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Mapping

from compiler import model as m
from compiler.state import albs, jobs as job_placement, priorities, subnets
from compiler.state.priorities import LAST_PRIORITY
from compiler.state.naming import FIFO_SUFFIX, pascal, queue_name

SERVICES_PER_STACK = 30
FIRST_STACK = "services"

_NUMBERED = re.compile(r"^services(-([2-9]|[1-9][0-9]+))?$")
_KEY = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
_QUEUE = re.compile(r"^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$")


def stem(index: int) -> str:
    """File stem of the index-th (0-based) numbered services stack."""
    return FIRST_STACK if index == 0 else f"{FIRST_STACK}-{index + 1}"


def _stem_index(name: str) -> int:
    return 0 if name == FIRST_STACK else int(name.rsplit("-", 1)[1]) - 1


def _entries(previous: Mapping[str, Any] | None) -> dict[str, dict]:
    """The previous compile's services, keeping only well-formed fields (a hand-edited or
    damaged lock degrades to "no previous value", never to a crash or a bad template)."""
    services = (previous or {}).get("services") if isinstance(previous, Mapping) else None
    out: dict[str, dict] = {}
    if not isinstance(services, Mapping):
        return out
    for name, entry in services.items():
        if not isinstance(name, str) or not isinstance(entry, Mapping):
            continue
        clean: dict[str, Any] = {}
        if isinstance(entry.get("key"), str) and _KEY.match(entry["key"]):
            clean["key"] = entry["key"]
        if isinstance(entry.get("stack"), str) and _NUMBERED.match(entry["stack"]):
            clean["stack"] = entry["stack"]
        priority = entry.get("priority")
        if isinstance(priority, int) and not isinstance(priority, bool) and 1 <= priority <= LAST_PRIORITY:
            clean["priority"] = priority
        rules = entry.get("rules")
        if isinstance(rules, list):
            clean["rules"] = [p if isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= LAST_PRIORITY
                              else None for p in rules]
        if isinstance(entry.get("alias"), str):
            clean["alias"] = entry["alias"]
        fixed = entry.get("fixed_priority")
        if isinstance(fixed, int) and not isinstance(fixed, bool):
            clean["fixed_priority"] = fixed
        if isinstance(entry.get("identity"), str):
            clean["identity"] = entry["identity"]
        if isinstance(entry.get("access_points"), Mapping):
            clean["access_points"] = entry["access_points"]
        if isinstance(entry.get("load_balancer"), str):
            clean["load_balancer"] = entry["load_balancer"]
        route = entry.get("route")
        if isinstance(route, Mapping):
            clean["route"] = (_strings(route.get("paths")), _strings(route.get("hosts")))
        queues = entry.get("queues")
        if isinstance(queues, list) and len(queues) == 2 and all(_queue_name_ok(q) for q in queues):
            clean["queues"] = tuple(queues)
        out[name] = clean
    return out


def _queue_name_ok(name: Any) -> bool:
    return isinstance(name, str) and _QUEUE.match(name) is not None


def _strings(value) -> tuple[str, ...]:
    return tuple(sorted(v for v in value if isinstance(v, str))) if isinstance(value, list) else ()


def place(app: m.App, previous: Mapping[str, Any] | None = None) -> m.App:
    entries = _entries(previous)
    names = {s.name for s in app.services}
    origin = _origins(app, entries, names)        # service name -> previous entry name
    keys = _keys(app, entries, origin)
    groups = _groups(app, entries, origin)
    app = albs.keep_first(app, previous)
    assigned = {}
    for lb_name, span in albs.listeners(app, priorities.OWN_SPAN):
        assigned.update(priorities.priorities(app, entries, origin, lb_name, span))
    retired = _retired(previous, entries)
    kept = _kept_identity(app, entries)       # service name -> the entry whose identity it keeps
    queues = _queues(app, entries, retired, kept)
    services = []
    for s in app.services:
        identity = entries[kept[s.name]].get("identity", kept[s.name]) if s.name in kept else s.name
        s = job_placement.follow_identity(replace(s, key=keys[s.name], group=groups[s.name],
                                                  queue_names=queues.get(s.name, ()), identity=identity))
        if s.name in assigned:
            s = replace(s, http=replace(s.http, priority=assigned[s.name], assigned=True))
        if s.http and s.http.additional_rules:
            s = replace(s, http=replace(s.http, additional_rules=tuple(
                replace(r, priority=assigned[priorities.rule_name(s.name, i)], assigned=True)
                if priorities.rule_name(s.name, i) in assigned else r
                for i, r in enumerate(s.http.additional_rules))))
        services.append(s)
    keep_namespace = bool(isinstance(previous, Mapping) and previous.get("namespace") is True)
    in_use = {name for names in queues.values() for name in names}
    taken = set(origin.values())
    gone = tuple(m.Gone(n, e.get("queues", ()), e.get("priority", e.get("fixed_priority")),
                        tuple(sorted({p[1][2] for p in job_placement.points_before("services", n, e)})))
                 for n, e in sorted(entries.items()) if n not in taken)
    before = tuple(p for s in app.services if s.name in origin
                   for p in job_placement.points_before("services", s.name, entries[origin[s.name]]))
    app = job_placement.place(replace(app, access_points_before=before), previous)
    return replace(app, services=tuple(services), keep_namespace=keep_namespace or app.keep_namespace,
                   retired_queues=tuple(sorted(retired - in_use)), gone=gone,
                   new_services=tuple(sorted(names - set(origin))) if entries else (),
                   network=_network(app.network, previous.get("subnets") if isinstance(previous, Mapping) else None))


def _network(net: m.Network, layout: Any) -> m.Network:
    """Carved subnets where the last compile's layout put them: a zone added or removed moves
    no other zone's subnets (subnets.keep). Without a layout (a first compile, or a record
    from before layouts were kept) the carve is the one that compile made for this zone count."""
    if not net.carved or not net.cidr or not isinstance(layout, Mapping):
        return net
    keys = subnets.zone_keys(net.zones, net.az_count)
    try:
        kept = subnets.keep(dict(layout), net.cidr, keys)
        now = subnets.network_address(net.cidr)
    except ValueError:               # a cidr FC204 refuses: nothing to keep
        return net
    moved = layout.get("cidr") if layout.get("cidr") != now else None
    if kept is None:
        return replace(net, no_room=True, previous_cidr=moved)
    return replace(net, public_subnets=kept[0], private_subnets=kept[1], previous_cidr=moved)


def record(app: m.App) -> dict[str, Any]:
    """What the next compile needs to keep every service where it is (the lock's data)."""
    services = {}
    first = albs.first(app)
    for s in sorted(app.services, key=lambda s: s.name):
        entry: dict[str, Any] = {"key": s.key, "stack": s.group}
        if s.http and s.http.assigned:
            entry["priority"] = s.http.priority
        elif s.http and s.http.priority is not None:
            entry["fixed_priority"] = s.http.priority      # the spec's own: for FC272 after a rename
        if s.http and not s.http.is_default:
            entry["route"] = {"paths": sorted(s.http.paths), "hosts": sorted(s.http.hosts)}
        if s.http and any(r.assigned for r in s.http.additional_rules):
            # additional_rules[i]'s automatic priority (None where the spec gives one)
            entry["rules"] = [r.priority if r.assigned else None for r in s.http.additional_rules]
        if s.connect:
            entry["alias"] = s.connect.alias
        if s.queue_names:
            entry["queues"] = list(s.queue_names)
        if s.identity and s.identity != s.name:
            entry["identity"] = s.identity
        if job_placement.access_points(s):
            entry["access_points"] = job_placement.access_points(s)
        if s.http and s.http.load_balancer != first:
            entry["load_balancer"] = s.http.load_balancer   # on the first ALB: no field (as before)
        services[s.name] = entry
    out: dict[str, Any] = {"services": services}
    if app.jobs:
        out["jobs"] = job_placement.record(app)
    if first:
        out["first_load_balancer"] = first
    if app.uses_namespace:
        out["namespace"] = True
    if app.retired_queues:
        out["retired_queues"] = list(app.retired_queues)
    net = app.network
    if net.carved and net.cidr and len(net.public_subnets) == len(net.private_subnets) == net.az_count:
        out["subnets"] = subnets.layout(net.cidr, subnets.zone_keys(net.zones, net.az_count),
                                        net.public_subnets, net.private_subnets)
    return out


def _retired(previous: Mapping[str, Any] | None, entries: dict[str, dict]) -> set[str]:
    """Every queue name the previous compile used or had retired: such a queue may still exist
    (retained, or deleted less than 60 seconds ago), so no new queue gets its name."""
    listed = previous.get("retired_queues") if isinstance(previous, Mapping) else None
    names = {q for q in listed if _queue_name_ok(q)} if isinstance(listed, list) else set()
    return names | {q for entry in entries.values() for q in entry.get("queues", ())}


def _kept_identity(app: m.App, entries: dict[str, dict]) -> dict[str, str]:
    """Service name -> the previous entry whose queues and messaging logical IDs it keeps: its
    own, or with `renamed_from: OLD`, OLD's (a rename that keeps the service's identity)."""
    names = {s.name for s in app.services}
    out = {s.name: s.name for s in app.services if s.name in entries}
    for s in app.services:
        old = s.renamed_from
        if s.name not in out and old in entries and old not in names and old not in out.values():
            out[s.name] = old
    return out


def _queues(app: m.App, entries: dict[str, dict], retired: set[str],
            kept_from: dict[str, str]) -> dict[str, tuple[str, str]]:
    """(queue, dead-letter queue) names per subscribing service.

    A subscriber keeps the names its queues had unless switching FIFO replaces them. A
    service renamed keeping its alias gets new queues: messaging.json's logical IDs follow
    the name, so its old queues are removed in the same update. New queues are named
    `<app>-<env>-<service>[-dlq]`, or with `-2`, `-3`, ... after the service name when an
    earlier queue had that name: a removed queue is retained (DeletionPolicy), and a
    create with its name would fail or adopt it.
    """
    out: dict[str, tuple[str, str]] = {}
    for s in app.services:
        kept = entries.get(kept_from.get(s.name, ""), {}).get("queues")
        if s.subscribe and kept and kept[0].endswith(FIFO_SUFFIX) == s.subscribe.queue.fifo:
            out[s.name] = kept
    taken = retired | {q for names in out.values() for q in names}
    for s in app.services:
        if not s.subscribe or s.name in out:
            continue
        n = 1
        while True:
            part = s.name if n == 1 else f"{s.name}-{n}"
            names = tuple(queue_name(app.app, app.environment, p, s.subscribe.queue.fifo)
                          for p in (part, part + "-dlq"))
            if not taken & set(names):
                break
            n += 1
        out[s.name] = names
        taken |= set(names)
    return out


def _origins(app: m.App, entries: dict[str, dict], names: set[str]) -> dict[str, str]:
    origin = {s.name: s.name for s in app.services if s.name in entries}
    for s in app.services:          # `renamed_from: OLD`: the same service, renamed
        old = s.renamed_from
        if s.name not in origin and old in entries and old not in names and old not in origin.values():
            origin[s.name] = old
    gone = {n: e for n, e in sorted(entries.items()) if n not in names and "alias" in e}
    for s in app.services:
        if s.name in origin or not s.connect:
            continue
        for old, entry in gone.items():
            if entry["alias"] == s.connect.alias and old not in origin.values():
                origin[s.name] = old      # the alias moved with it: the same service, renamed
                break
    return origin


def _keys(app: m.App, entries: dict[str, dict], origin: dict[str, str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    used: set[str] = set()
    for s in app.services:
        key = entries.get(origin.get(s.name, ""), {}).get("key")
        if key and key not in used:
            keys[s.name] = key
            used.add(key)
    defaults = {pascal(s.name) for s in app.services}
    for s in app.services:
        if s.name in keys:
            continue
        key, n = pascal(s.name), 1
        while key in used or (key in defaults and key != pascal(s.name)):
            n += 1
            key = f"{pascal(s.name)}{n}"
        keys[s.name] = key
        used.add(key)
    return keys


def _groups(app: m.App, entries: dict[str, dict], origin: dict[str, str]) -> dict[str, str]:
    groups: dict[str, str] = {}
    sizes: dict[int, int] = {}
    for s in app.services:
        if s.stack is not None:
            groups[s.name] = f"{FIRST_STACK}-{s.stack}"
            continue
        kept = entries.get(origin.get(s.name, ""), {}).get("stack")
        if kept is not None:
            index = _stem_index(kept)
            if sizes.get(index, 0) < SERVICES_PER_STACK:
                groups[s.name] = kept
                sizes[index] = sizes.get(index, 0) + 1
    for s in app.services:
        if s.name in groups:
            continue
        index = 0
        while sizes.get(index, 0) >= SERVICES_PER_STACK:
            index += 1
        groups[s.name] = stem(index)
        sizes[index] = sizes.get(index, 0) + 1
    return groups
