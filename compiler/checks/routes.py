"""FC206: ALB routes: one default, unique routes and priorities, conditions in ALB limits."""

from __future__ import annotations

import re

from compiler.state import routing
from compiler.checks._util import first_given, http_path_location, raw, svc
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App, Service

CODE = "FC206"

VALUES_PER_CONDITION = 3      # ALB: match evaluations per condition
VALUES_PER_RULE = 5           # ALB: match evaluations per rule
WILDCARDS_PER_RULE = 5
PATTERN_LENGTH = 128
PRIORITY_RANGE = range(1, 50000 + 1)
RULES_PER_ALB = 100           # ALB default quota, default rules not counted

_PATH_CHARS = re.compile(r"^[A-Za-z0-9_\-.$/~\"'@:+&*?]+$")
_HOST_CHARS = re.compile(r"^[A-Za-z0-9\-.*?]+$")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Per listener: each ALB has its own default action, routes and priorities."""
    found = []
    for lb in dict.fromkeys(s.http.load_balancer for s in app.routed_services):
        found += _listener([s for s in app.routed_services if s.http.load_balancer == lb], data, locator)
    return found


def _listener(routed, data: dict, locator: Locator) -> list[Diagnostic]:
    found = _defaults(routed, data, locator)
    found += _duplicates(routed, data, locator)
    found += _priorities(routed, data, locator)
    found += _shadowed(routed, data, locator)
    for s in routed:
        if not s.http.is_default:
            found += _conditions(s, data, locator)
    rules = [s for s in routed if not s.http.is_default]
    if len(rules) > RULES_PER_ALB:
        extra = rules[RULES_PER_ALB]
        found.append(locator.error(
            CODE, svc(extra.name, "http"),
            f"the listener would have {len(rules)} rules, service {extra.name} being rule "
            f"{RULES_PER_ALB + 1}; the ALB quota is {RULES_PER_ALB} rules per load balancer "
            "unless raised",
            hint="request a quota increase or route several services by one rule",
            severity=WARNING))
    return found


def _route_path(data: dict, s: Service) -> tuple:
    return first_given(data, svc(s.name, "http", "path"), svc(s.name, "http"))


def _defaults(routed, data, locator) -> list[Diagnostic]:
    defaults = [s for s in routed if s.http.is_default]
    found = [
        locator.error(
            CODE, _route_path(data, s),
            f"service {s.name} takes the default route ('/' with no hosts), "
            f"already taken by service {defaults[0].name}; at most one service can be the "
            "listener's default action",
            hint="give it hosts or a narrower path such as /api/*")
        for s in defaults[1:]
    ]
    if defaults:
        for s in routed:
            if not s.http.is_default and "/*" in s.http.paths and not s.http.hosts \
                    and not s.http.conditions.narrowing:
                found.append(locator.error(
                    CODE, _route_path(data, s),
                    f"service {s.name}'s route /* with no hosts matches every request, so the "
                    f"default service {defaults[0].name} never receives traffic",
                    severity=WARNING))
    return found


def _route_key(s: Service) -> tuple:
    return route_key(s.http)


def route_key(http) -> tuple:
    """Paths, hosts and the other conditions of a route (model.Http or model.Route)."""
    return (tuple(sorted(http.paths)), tuple(sorted(h.lower() for h in http.hosts)),
            *((routing.conditions_key(http.conditions),) if http.conditions.narrowing else ()))


def _duplicates(routed, data, locator) -> list[Diagnostic]:
    found, seen = [], {}
    for s in routed:
        if s.http.is_default:
            continue
        key = _route_key(s)
        if key in seen:
            hosts = f" and hosts {', '.join(key[1])}" if key[1] else ""
            extra, differ = (" and the same conditions", "path, hosts or conditions") if len(key) > 2 \
                else ("", "path or hosts")
            found.append(locator.error(
                CODE, _route_path(data, s),
                f"services {seen[key].name} and {s.name} have the same route: "
                f"path {', '.join(key[0])}{hosts}{extra}; routes must differ in {differ}"))
            continue
        same = next((o for o in seen.values()
                     if routing.covers(o.http, s.http) and routing.covers(s.http, o.http)), None)
        if same is not None:  # written differently (/a/** and /a/*), matching the same requests
            found.append(locator.error(
                CODE, _route_path(data, s),
                f"services {same.name} and {s.name} have routes that match exactly the same "
                "requests, so one of them would never receive any; routes must differ in the "
                "requests they match"))
        seen[key] = s
    return found


def _priorities(routed, data, locator) -> list[Diagnostic]:
    found, explicit = [], {}
    for s in routed:
        path = svc(s.name, "http", "priority")
        written = raw(data, *path)
        if written is not None and s.http.is_default:
            found.append(locator.error(
                CODE, path,
                f"priority {written} is ignored: service {s.name} is the listener's default "
                "action ('/' with no hosts), which has no priority", severity=WARNING))
            continue
        if written is not None:
            if written in explicit:
                found.append(locator.error(
                    CODE, path,
                    f"priority {written} is used by both services {explicit[written]} and "
                    f"{s.name}; listener rule priorities must be unique"))
            else:
                explicit[written] = s.name
        if s.http.priority is not None and s.http.priority not in PRIORITY_RANGE:
            found.append(locator.error(
                CODE, path,
                f"priority {s.http.priority} of service {s.name} is outside 1..50000"))
    return found


def _shadowed(routed, data, locator) -> list[Diagnostic]:
    """A rule whose every request an earlier rule (lower priority number) already takes."""
    rules = sorted((s for s in routed if not s.http.is_default and s.http.priority is not None),
                   key=lambda s: s.http.priority)
    found = []
    for i, later in enumerate(rules):
        for earlier in rules[:i]:
            if earlier.http.priority == later.http.priority or routing.covers(later.http, earlier.http):
                continue                          # reported as errors above
            if routing.covers(earlier.http, later.http) and earlier.http.assigned:
                # The compiler found no priority after the later rule's explicit one (placement
                # keeps order where it can): a broken route table the user did not choose.
                found.append(locator.error(
                    CODE, svc(later.name, "http", "priority"),
                    f"no listener rule priority is left after {later.http.priority} for service "
                    f"{earlier.name}, whose route matches every request service {later.name}'s "
                    f"matches: {earlier.name} would be evaluated first and {later.name}'s route "
                    "never reached",
                    hint=f"give {later.name} a lower priority, or {earlier.name} an explicit one "
                         f"above {later.http.priority}"))
                break
            if routing.covers(earlier.http, later.http):
                found.append(locator.error(
                    CODE, _route_path(data, later),
                    f"service {later.name}'s route (priority {later.http.priority}) is never "
                    f"reached: service {earlier.name}'s rule (priority {earlier.http.priority}) "
                    "matches every request it matches and is evaluated first",
                    hint=f"give {later.name} a priority below {earlier.http.priority}",
                    severity=WARNING))
                break
    return found


def _conditions(s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    http = s.http
    if len(http.paths) > VALUES_PER_CONDITION:
        found.append(locator.error(
            CODE, svc(s.name, "http", "path"),
            f"{len(http.paths)} path patterns ({', '.join(http.paths)}); an ALB rule takes "
            f"at most {VALUES_PER_CONDITION} per condition"))
    # The aliases are host-header values too (normalize appends them to hosts).
    hosts_path = first_given(data, svc(s.name, "http", "hosts"), svc(s.name, "http", "alias"))
    hosts_word = "hosts and aliases" if http.aliases else "hosts"
    if len(http.hosts) > VALUES_PER_CONDITION:
        found.append(locator.error(
            CODE, hosts_path,
            f"{len(http.hosts)} {hosts_word} ({', '.join(http.hosts)}); an ALB rule takes "
            f"at most {VALUES_PER_CONDITION} per condition"))
    if len(http.paths) + len(http.hosts) > VALUES_PER_RULE:
        found.append(locator.error(
            CODE, svc(s.name, "http"),
            f"{len(http.paths)} paths + {len(http.hosts)} {hosts_word} = "
            f"{len(http.paths) + len(http.hosts)} values; an ALB rule takes at most "
            f"{VALUES_PER_RULE}"))
    wildcards = sum(v.count("*") + v.count("?") for v in http.paths + http.hosts)
    if wildcards > WILDCARDS_PER_RULE:
        found.append(locator.error(
            CODE, svc(s.name, "http"),
            f"{wildcards} wildcards (* or ?) in paths and hosts; an ALB rule takes at most "
            f"{WILDCARDS_PER_RULE}"))
    for index, pattern in enumerate(http.paths):
        problem = _path_problem(pattern)
        if problem:
            found.append(locator.error(
                CODE, http_path_location(data, s.name, index),
                f"path pattern '{pattern}' {problem}"))
    written = raw(data, *svc(s.name, "http", "hosts"), default=[])
    for index, host in enumerate(http.hosts[:len(written)]):   # aliases: checks/custom_domains
        problem = _host_problem(host)
        if problem:
            found.append(locator.error(
                CODE, svc(s.name, "http", "hosts", index), f"host '{host}' {problem}"))
    return found


def _path_problem(pattern: str) -> str:
    if not pattern.startswith("/"):
        return "must start with '/'"
    if len(pattern) > PATTERN_LENGTH:
        return f"is {len(pattern)} characters; ALB path patterns take at most {PATTERN_LENGTH}"
    if not _PATH_CHARS.match(pattern):
        return ("has characters an ALB path pattern does not take; "
                "use A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & and the wildcards * ?")
    return ""


def _host_problem(host: str) -> str:
    if len(host) > PATTERN_LENGTH:
        return f"is {len(host)} characters; ALB host conditions take at most {PATTERN_LENGTH}"
    if not _HOST_CHARS.match(host):
        return "has characters an ALB host condition does not take; use A-Z a-z 0-9 - . * ?"
    if "." not in host:
        return "needs at least one '.' (e.g. example.com)"
    if not host.rsplit(".", 1)[1].isalpha():
        return "must end in letters after its last '.' (e.g. *.example.com)"
    return ""
