"""FC283: several load balancers: which ALB routes each service, and what an existing ALB can do."""

# - A spec has `load_balancer` (one ALB) or `load_balancers` (several by name), not both.
# - `http.load_balancer` names one of `load_balancers`; with several it is required.
# - An existing ALB lives in a VPC the app does not make: the app names it (`network.vpc.id`),
#   since a target group forwards only for a load balancer of its own VPC.
# - On an existing ALB (`arn`): no `alias` (its records and certificates would need the ALB's
#   DNS name and the listener's certificate list, which are its owner's), no blue_green, canary
#   or linear deployment (ECS rewrites the production rule's weights, and a test port would be a
#   listener of ours on its ALB), every explicit priority inside the ALB's `priorities`, and no
#   more rules than the range holds.
# - A domain name (`alias`) belongs to one ALB: its record points at one load balancer.
# - The target groups' and rules' logical IDs (<Svc><Lb>TargetGroup...) are distinct: a service
#   named like another service plus an ALB name would take its resources.

from __future__ import annotations

import difflib

from compiler.checks._util import given, raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks import alb_routing

CODE = "FC283"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if "load_balancer" in data and "load_balancers" in data:
        found.append(locator.error(
            CODE, ("load_balancers",), "the spec has both load_balancer and load_balancers; use one: "
            "load_balancer for one ALB, load_balancers for several by name", key=True,
            hint="move load_balancer's settings under load_balancers as its first entry: it keeps the same resources"))
        return found
    names = [lb.name for lb in app.load_balancers]
    for s in app.routed_services:
        path = svc(s.name, "http", "load_balancer")
        chosen = raw(data, *path)
        if chosen is not None and "load_balancers" not in data:
            found.append(locator.error(
                CODE, path, f"service {s.name} names load balancer '{chosen}', and the spec has no "
                "load_balancers (load_balancer is one nameless ALB)",
                hint="remove http.load_balancer, or name the ALBs under load_balancers"))
        elif chosen is not None and chosen not in names:
            close = difflib.get_close_matches(str(chosen), names, n=1)
            found.append(locator.error(
                CODE, path, f"service {s.name} names load balancer '{chosen}', which load_balancers "
                f"does not have ({', '.join(names)})", hint=f"did you mean {close[0]}?" if close else ""))
        elif chosen is None and len(names) > 1:
            found.append(locator.error(
                CODE, svc(s.name, "http"), f"service {s.name} has http, and there are {len(names)} load "
                f"balancers ({', '.join(names)}): say which one routes to it",
                hint=f"add http.load_balancer: {names[0]}", key=True))
    found += _existing(app, data, locator)
    found += _domains(app, data, locator)
    found += _logical_ids(app, locator)
    return found


def _existing(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for lb in app.load_balancers:
        if lb.existing is None:
            continue
        if app.network.existing is None:
            found.append(locator.error(
                CODE, (*lb.spec_path, "arn"), f"load balancer {lb.name} is an existing ALB, and the app makes a "
                "VPC of its own: the existing ALB is in another VPC, and its rules can forward only to target "
                "groups of its VPC", hint="put the app in the ALB's VPC: network.vpc.id and its subnets"))
        first, last = lb.existing.priorities
        rules = 0
        for s in app.routed_by(lb):
            base = svc(s.name, "http")
            if s.http.aliases:
                found.append(locator.error(
                    CODE, (*base, "alias"), f"service {s.name} is on {lb.name}, an existing ALB: an alias needs "
                    "a certificate on its listener and a record to its DNS name, which are its owner's",
                    hint="use hosts for the host-header condition, and have the ALB's owner add the "
                         "certificate and the DNS record"))
            if s.deployment.shifted:
                found.append(locator.error(
                    CODE, svc(s.name, "deployment", "strategy"), f"service {s.name} is on {lb.name}, an "
                    "existing ALB: blue_green, canary and linear deployments are not supported there (ECS "
                    "rewrites the rule's weights, and a test port would be a listener on its ALB)",
                    hint="use strategy: rolling, or put the service on an ALB of the app's"))
            rules += 1 + len(s.http.additional_rules)
            for where, priority in ((base, s.http.priority), *(
                    ((*base, "additional_rules", i), r.priority)
                    for i, r in enumerate(s.http.additional_rules))):
                if priority is not None and given(data, *where, "priority") and not first <= priority <= last:
                    found.append(locator.error(
                        CODE, (*where, "priority"), f"priority {priority} is outside {first}-{last}, the "
                        f"priorities load balancer {lb.name} lets this app use on its listener",
                        hint=f"pick one in {first}-{last}, or widen load_balancers.{lb.name}.priorities"))
        if first <= last and rules > last - first + 1:   # a reversed range: FC282
            found.append(locator.error(
                CODE, (*lb.spec_path, "priorities") if given(data, *lb.spec_path, "priorities") else lb.spec_path,
                f"{rules} listener rules go on load balancer {lb.name}, and its priorities {first}-{last} "
                f"hold {last - first + 1}", hint="widen the range"))
    return found


def _domains(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    owner: dict[str, tuple[str, str]] = {}
    found = []
    for s in app.routed_services:
        for i, name in enumerate(s.http.aliases):
            if name in owner and owner[name][1] != s.http.load_balancer:
                found.append(locator.error(
                    CODE, svc(s.name, "http", "alias"), f"alias {name} of service {s.name} is on load balancer "
                    f"{s.http.load_balancer}, and service {owner[name][0]} has it on {owner[name][1]}: a "
                    "domain's record points at one load balancer"))
            owner.setdefault(name, (s.name, s.http.load_balancer))
    return found


def _logical_ids(app: App, locator: Locator) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    found = []
    for s in app.routed_services:
        lb = app.alb_of(s)
        ids = [alb_routing.target_group_id(s, lb), alb_routing.listener_rule_id(s, lb)]
        ids += [alb_routing.rule_prefix(s, i, lb) + "TargetGroup" for i in range(len(s.http.additional_rules))]
        for logical in ids:
            if logical in seen and seen[logical] != s.name:
                found.append(locator.error(
                    CODE, svc(s.name, "http", "load_balancer"), f"service {s.name} on load balancer "
                    f"{s.http.load_balancer or '(load_balancer)'} and service {seen[logical]} would both make "
                    f"{logical} in alb.json", hint="rename one of the services or load balancers"))
                break
            seen[logical] = s.name
    return found
