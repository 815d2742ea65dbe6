"""FC285: shared Network Load Balancers (`network_load_balancers`, `services.<name>.nlb.load_balancer`)."""

# What ELB and EC2 refuse, said at the spec's line: a name that is no shared NLB; `public`
# on a service whose NLB is shared (the NLB's own); two listeners on one port (ELB:
# DuplicateListener, whatever the protocols: tcp and udp on one port is one tcp_udp
# listener); more than 50 listeners per NLB (TooManyListeners); the NLB's security group
# over 60 inbound rules (each listener's cidrs x protocols) or 60 outbound rules (the tasks'
# ports); an internal NLB in an existing VPC of unknown cidr that admits no one; logical IDs
# that a service's own (<Key>Nlb...) could be confused with. Warnings: an NLB no service
# uses (it is made, and billed), and more targets per zone than ELB's default 500.

from __future__ import annotations

import difflib

from compiler.checks._util import given, pascal_clashes, quoted, svc
from compiler.checks.load_balancer import MAX_EGRESS_RULES, MAX_INGRESS_RULES, _cidrs
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App, NetworkLoadBalancer
from compiler.stacks.nlb import LOAD_BALANCER, shared_prefix, task_ports

CODE = "FC285"

MAX_LISTENERS = 50          # listeners per Network Load Balancer
MAX_TARGETS_PER_ZONE = 500    # targets per zone per Network Load Balancer (ELB's default quota)
ROOT = "network_load_balancers"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    names = {lb.name for lb in app.network_load_balancers}
    for s in app.nlb_services:
        name = s.nlb.load_balancer
        if name is None:
            continue
        base = svc(s.name, "nlb")
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1)
            found.append(locator.error(
                CODE, (*base, "load_balancer"), f"'{name}' is not a shared NLB of network_load_balancers"
                + (f"; did you mean '{close[0]}'?" if close else ""),
                hint=f"the shared NLBs are {quoted(sorted(names))}" if names else
                f"add network_load_balancers: {{{name}: {{}}}}, or remove load_balancer for an NLB of the service's own"))
        if given(data, *base, "public"):
            found.append(locator.error(
                CODE, (*base, "public"), f"public is a property of the shared NLB {name}, not of its services",
                hint=f"set network_load_balancers.{name}.public, or remove it here", key=True))
    for earlier, name, logical in pascal_clashes(sorted(names)):
        found.append(locator.error(
            CODE, (ROOT, name), f"shared NLBs {earlier} and {name} have the same logical ID {LOAD_BALANCER}{logical}",
            hint="rename one", key=True))
    for lb in app.network_load_balancers:
        found += _shared(app, lb, data, locator)
    return found


def _shared(app: App, lb: NetworkLoadBalancer, data: dict, locator: Locator) -> list[Diagnostic]:
    base = (ROOT, lb.name)
    services = app.shared_nlb_services(lb.name)
    found = _cidrs(lb.allowed_cidrs, data, locator, base)
    prefix = shared_prefix(lb.name)
    for s in app.services:
        own = s.key + LOAD_BALANCER
        if own.startswith(prefix) or prefix.startswith(own):
            found.append(locator.error(
                CODE, base, f"the logical IDs of the shared NLB {lb.name} ({prefix}...) could be taken for those "
                f"of service {s.name}'s NLB ({own}...)", hint="rename the shared NLB", key=True))
    if not services:
        found.append(locator.error(
            CODE, base, f"no service uses the shared NLB {lb.name}: it is made all the same, and billed by the hour",
            hint=f"set nlb.load_balancer: {lb.name} on a service, or remove it", severity=WARNING, key=True))
        return found
    owners: dict[int, str] = {}
    for s in services:
        where = svc(s.name, "nlb", "port") if given(data, *svc(s.name, "nlb", "port")) else svc(s.name, "nlb")
        if s.nlb.port in owners:
            found.append(locator.error(
                CODE, where, f"port {s.nlb.port} of the shared NLB {lb.name} is already service "
                f"{owners[s.nlb.port]}'s listener; an NLB has one listener per port, whatever the protocol",
                hint="choose another nlb.port (tcp and udp on one port: one service with protocol tcp_udp)"))
        else:
            owners[s.nlb.port] = s.name
    if len(services) > MAX_LISTENERS:
        found.append(locator.error(
            CODE, svc(services[MAX_LISTENERS].name, "nlb", "load_balancer"),
            f"{len(services)} services have listeners on the shared NLB {lb.name}; ELB allows {MAX_LISTENERS} "
            "listeners per Network Load Balancer", hint="put some services on another shared NLB"))
    found += _security_group(lb, services, base, locator)
    if not lb.public and app.network.cidr is None and not given(data, *base, "allowed_cidrs"):
        for s in services:
            if not given(data, *svc(s.name, "nlb", "allowed_cidrs")):
                found.append(locator.error(
                    CODE, svc(s.name, "nlb"), f"the internal shared NLB {lb.name} admits the VPC's cidr by default, "
                    "and this existing VPC's cidr is not given", hint=f"set network.vpc.cidr, "
                    f"network_load_balancers.{lb.name}.allowed_cidrs or nlb.allowed_cidrs", key=True))
    tasks = sum(s.scaling.max if s.scaling else s.desired_count for s in services)
    per_zone = -(-tasks // max(app.network.az_count, 1))
    if per_zone > MAX_TARGETS_PER_ZONE:
        found.append(locator.error(
            CODE, base, f"the services on the shared NLB {lb.name} may run {tasks} tasks, about {per_zone} "
            f"targets per zone; ELB allows {MAX_TARGETS_PER_ZONE} per zone per Network Load Balancer by default",
            hint="request a quota increase, or spread the services over more NLBs", severity=WARNING, key=True))
    return found


def _security_group(lb: NetworkLoadBalancer, services, base: tuple, locator: Locator) -> list[Diagnostic]:
    found = []
    inbound = sum(len(s.nlb.allowed_cidrs) * len(s.nlb.ip_protocols) for s in services)
    if inbound > MAX_INGRESS_RULES:
        found.append(locator.error(
            CODE, base, f"the listeners of the shared NLB {lb.name} need {inbound} inbound rules in its security "
            f"group (allowed_cidrs x protocols of each); AWS allows {MAX_INGRESS_RULES} by default",
            hint="merge neighbouring ranges, or spread the services over more NLBs", key=True))
    outbound = {p for s in services for p in task_ports(s.nlb)}
    if len(outbound) > MAX_EGRESS_RULES:
        found.append(locator.error(
            CODE, base, f"the services on the shared NLB {lb.name} take {len(outbound)} distinct target and "
            f"health check ports, each an outbound rule of its security group; AWS allows {MAX_EGRESS_RULES}",
            hint="tasks have their own IP addresses: services can share one container port", key=True))
    return found
