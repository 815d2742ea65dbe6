"""FC281: route targets: known containers and ports, HTTP/2 and gRPC over HTTPS, extra rules in ALB limits."""

# What ECS and ELB refuse, said at the spec's line: a route (http, or one of its
# additional_rules) sends to the main container or a sidecar by name, on a port it has or
# is given (containers of a task share one network namespace, so no other container may hold
# it); ALB speaks HTTP/2 and gRPC to targets only behind an HTTPS listener; an additional rule
# keeps ALB's condition limits and differs from every other route and priority; ECS attaches
# at most 5 target groups to a service.

from __future__ import annotations

import difflib

from compiler.checks._util import given, svc
from compiler.checks.routes import VALUES_PER_CONDITION, VALUES_PER_RULE, WILDCARDS_PER_RULE, _route_key, route_key
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App, Service

CODE = "FC281"
MAX_TARGET_GROUPS = 5   # per ECS service


def target_groups(s: Service) -> int:
    """The target groups ECS attaches to the service: the route's, its additional rules', the NLB's."""
    return (1 + len(s.http.additional_rules) if s.http else 0) + (1 if s.nlb else 0)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    # Routes and priorities are per listener: keyed by the service's ALB (load_balancers).
    routes = {(s.http.load_balancer, _route_key(s)): f"service {s.name}"
              for s in app.routed_services if not s.http.is_default}
    priorities = {(s.http.load_balancer, s.http.priority): f"service {s.name}" for s in app.routed_services
                  if s.http.priority is not None and not s.http.assigned}
    for s in app.services:
        if s.http is None:
            found += _prefix_clash(app, s, locator)
            continue
        base = svc(s.name, "http")
        found += _target(s, s.http.target_container, s.http.target_port, base, data, locator)
        lb = app.alb_of(s)
        # An existing ALB's listener protocol is not known here: its owner's choice.
        no_https = lb is None or (lb.https is None and lb.existing is None)
        if s.http.version != "HTTP1" and no_https:
            found.append(locator.error(
                CODE, (*base, "version"),
                f"version {s.http.version.lower()} needs an HTTPS listener: ALB speaks HTTP/2 and gRPC "
                "to targets only for requests that came over TLS",
                hint="add load_balancer.https (a certificate), or use version http1"))
        for i, rule in enumerate(s.http.additional_rules):
            where = (*base, "additional_rules", i)
            found += _target(s, rule.target_container, rule.target_port, where, data, locator)
            if rule.version != "HTTP1" and no_https \
                    and given(data, *where, "version"):
                found.append(locator.error(
                    CODE, (*where, "version"), f"version {rule.version.lower()} needs an HTTPS listener",
                    hint="add load_balancer.https (a certificate), or use version http1"))
            wildcards = sum(v.count("*") + v.count("?") for v in rule.paths + rule.hosts)
            if len(rule.paths) + len(rule.hosts) > VALUES_PER_RULE or wildcards > WILDCARDS_PER_RULE \
                    or max(len(rule.paths), len(rule.hosts)) > VALUES_PER_CONDITION:
                found.append(locator.error(
                    CODE, where, f"the rule has {len(rule.paths)} paths, {len(rule.hosts)} hosts and "
                    f"{wildcards} wildcards; an ALB rule takes at most {VALUES_PER_CONDITION} values per "
                    f"condition, {VALUES_PER_RULE} in all and {WILDCARDS_PER_RULE} wildcards"))
            key = (s.http.load_balancer, route_key(rule))
            if key in routes:
                same, differ = (("path, hosts and conditions", "path, hosts or conditions")
                                if rule.conditions.narrowing else ("path and hosts", "path or hosts"))
                found.append(locator.error(
                    CODE, (*where, "path"), f"this rule has the same {same} as {routes[key]}; "
                    f"routes must differ in {differ}"))
            routes[key] = f"{s.name} additional_rules[{i}]"
            if rule.priority is not None:
                on = (s.http.load_balancer, rule.priority)
                if on in priorities:
                    found.append(locator.error(
                        CODE, (*where, "priority"), f"priority {rule.priority} is also used by "
                        f"{priorities[on]}; listener rule priorities must be unique"))
                priorities[on] = f"{s.name} additional_rules[{i}]"
        found += _prefix_clash(app, s, locator)
        if target_groups(s) > MAX_TARGET_GROUPS:
            found.append(locator.error(
                CODE, base, f"service {s.name} would have {target_groups(s)} target groups (its route, "
                f"{len(s.http.additional_rules)} additional rules{' and its NLB' if s.nlb else ''}); "
                f"ECS attaches at most {MAX_TARGET_GROUPS} to a service", key=True))
    return found


def _target(s: Service, container: str, port: int | None, where: tuple, data: dict,
            locator: Locator) -> list[Diagnostic]:
    owners = {s.name: s.port, **{c.name: c.port for c in s.sidecars}}
    at = (*where, "target_container") if given(data, *where, "target_container") else where
    if container not in owners:
        close = difflib.get_close_matches(container, list(owners), n=1)
        return [locator.error(
            CODE, at, f"target_container '{container}' is neither the main container {s.name} nor a "
            "sidecar of the service",
            hint=f"did you mean {close[0]}?" if close else f"one of {', '.join(sorted(owners))}")]
    if not port:
        return [locator.error(
            CODE, at, f"container {container} has no port to send the route to",
            hint="give the sidecar a port, or the route a target_port")]
    if port == owners[container]:
        return []      # the container's own port: FC208 keeps the ports of a task distinct
    for other, other_port in owners.items():
        if other != container and other_port == port:
            return [locator.error(
                CODE, (*where, "target_port") if given(data, *where, "target_port") else at,
                f"the route sends to port {port} of {container}, but {other} listens on it; containers "
                "of a task share one network namespace", hint="choose the port the container listens on")]
    return []


def _prefix_clash(app: App, s: Service, locator: Locator) -> list[Diagnostic]:
    """The NLB's (<Key>Nlb...) and the additional rules' (<Key>Rule<N>...) logical IDs and
    outputs must not start with another service's key: service web's NLB and a service
    named web-nlb would both make WebNlbTargetGroupArn."""
    keys = {o.key: o.name for o in app.services if o is not s}
    prefixes = [(f"{s.key}Nlb", "nlb")] if s.nlb else []
    if s.http:
        prefixes += [(f"{s.key}Rule{i + 1}", f"http.additional_rules[{i}]")
                     for i in range(len(s.http.additional_rules))]
    return [locator.error(
        CODE, svc(keys[prefix]), f"service {keys[prefix]}'s logical IDs start with {prefix}, as those of "
        f"service {s.name}'s {what} do; CloudFormation would see one resource twice",
        hint=f"rename service {keys[prefix]}", key=True)
        for prefix, what in prefixes if prefix in keys]
