"""FC260: an existing VPC (`network.vpc.id`) is given by IDs, and holds what the app needs."""

# The compiler makes nothing of the VPC's own there (no subnets, gateways, NAT, route
# tables, flow logs), so it refuses what would need them, and checks that the given
# subnets can hold the load balancer, the tasks and the endpoints. An ALB needs subnets
# in at least two zones: checked when every subnet's zone is given, a warning that says
# so when some are not (AWS refuses the deployment otherwise).

from __future__ import annotations

import re

from compiler.checks._util import given, listing, raw
from compiler.diagnostics import ERROR, WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC260"
VPC = ("network", "vpc")
SUBNETS = (*VPC, "subnets")
SUBNET_ID = re.compile(r"^subnet-")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    existing = app.network.existing
    found: list[Diagnostic] = []
    items = {kind: raw(data, *SUBNETS, kind, default=[]) or [] for kind in ("public", "private")}
    if existing is None:
        for kind, listed in items.items():
            for i, item in enumerate(listed):
                if isinstance(item, dict) or SUBNET_ID.match(str(item)):
                    found.append(locator.error(
                        CODE, (*SUBNETS, kind, i),
                        "a subnet ID names an existing subnet, which needs network.vpc.id (the VPC it is in)",
                        hint="add network.vpc.id: vpc-..., or give a CIDR for a subnet the compiler makes"))
        if given(data, *VPC, "nat"):
            found.append(locator.error(CODE, (*VPC, "nat"),
                                       "network.vpc.nat describes an existing VPC's routing and needs network.vpc.id",
                                       hint="for a VPC the compiler makes, set network.nat", key=True))
        if given(data, *VPC, "route_tables"):
            found.append(locator.error(CODE, (*VPC, "route_tables"),
                                       "route_tables name an existing VPC's route tables and need network.vpc.id",
                                       hint="the compiler makes the route tables of a VPC it makes", key=True))
        return found

    for kind, listed in items.items():
        for i, item in enumerate(listed):
            if not isinstance(item, dict) and not SUBNET_ID.match(str(item)):
                found.append(locator.error(
                    CODE, (*SUBNETS, kind, i),
                    f"'{item}' is a CIDR, but in an existing VPC (network.vpc.id) subnets are given by ID",
                    hint="write the subnet's ID, subnet-..., optionally as {id: subnet-..., zone: us-east-1a}"))
    for key, why in (("azs", "zones come from the subnets"), ("zones", "zones come from the subnets")):
        if given(data, *VPC, key):
            found.append(locator.error(
                CODE, (*VPC, key), f"{key} cannot be used with network.vpc.id: {why}",
                hint="give each subnet's zone as {id: subnet-..., zone: us-east-1a}", key=True))
    nat = raw(data, "network", "nat")
    if nat not in (None, "none"):
        found.append(locator.error(
            CODE, ("network", "nat"),
            f"nat: {nat} would make NAT gateways, but the compiler makes none in an existing VPC: "
            "its egress (NAT, internet gateway, routes) belongs to the VPC",
            hint="remove nat (the VPC's own routing applies), or list network.endpoints the tasks need"))
    if raw(data, "network", "flow_logs") not in (None, False):
        found.append(locator.error(
            CODE, ("network", "flow_logs"),
            "flow logs are a setting of the VPC, and an existing VPC's are its owner's to set",
            hint="remove flow_logs (or write flow_logs: false)", key=True))

    ids: dict[str, tuple] = {}
    for kind, refs in (("public", existing.public), ("private", existing.private)):
        for i, ref in enumerate(refs):
            if ref.id in ids:
                found.append(locator.error(
                    CODE, (*SUBNETS, kind, i),
                    f"{ref.id} is listed twice (also {ids[ref.id][0]}[{ids[ref.id][1]}])",
                    hint="a subnet is either public or private, and listed once"))
            else:
                ids[ref.id] = (kind, i)

    needs: dict[str, list[str]] = {"public": [], "private": []}
    for lb in app.owned_load_balancers:
        needs["public" if lb.public else "private"].append(
            "the internet-facing load balancer" if lb.public else "the internal load balancer")
    for s in app.own_nlb_services:
        needs["public" if s.nlb.public else "private"].append(
            f"the {'internet-facing' if s.nlb.public else 'internal'} network load balancer of {s.name}")
    for nlb in app.network_load_balancers:
        needs["public" if nlb.public else "private"].append(
            f"the {'internet-facing' if nlb.public else 'internal'} network load balancer {nlb.name}")
    for placement in ("public", "private"):
        names = [s.name for s in app.services if s.placement == placement]
        if names:
            needs[placement].append(f"services {listing(names, 'and')}" if len(names) > 1 else f"service {names[0]}")
    if app.network.interface_endpoints:
        needs["private"].append("the interface endpoints")
    if app.uses_managed_efs:
        needs["private"].append("the EFS mount targets")
    for kind, what in needs.items():
        if what and not getattr(existing, kind):
            found.append(locator.error(
                CODE, SUBNETS if given(data, *SUBNETS) else VPC,
                f"no {kind} subnets are given, but {listing(what, 'and')} need them",
                hint=f"list the VPC's {kind} subnet IDs under network.vpc.subnets.{kind}", key=True))
    if app.network.gateway_endpoints and not existing.route_tables:
        found.append(locator.error(
            CODE, ("network", "endpoints"),
            f"the gateway endpoints {listing(app.network.gateway_endpoints, 'and')} attach to route tables, "
            "and an existing VPC's private route tables are not known",
            hint="list them under network.vpc.route_tables: [rtb-...]"))

    found += _efs(app, existing, locator)
    for kind in dict.fromkeys("public" if lb.public else "private" for lb in app.owned_load_balancers):
        found += _alb_zones(getattr(existing, kind), kind, locator)
    for lb in app.owned_load_balancers:
        if not lb.public and app.network.cidr is None and not given(data, *lb.spec_path, "allowed_cidrs"):
            found.append(locator.error(
                CODE, lb.spec_path,
                "an internal load balancer admits the VPC's CIDR by default, and this existing VPC's CIDR is not given",
                hint=f"set network.vpc.cidr, or {'.'.join(lb.spec_path)}.allowed_cidrs", key=True))
    return found


def _alb_zones(refs, kind: str, locator: Locator) -> list[Diagnostic]:
    if not refs:
        return []
    where = (*SUBNETS, kind)
    if len(refs) < 2:
        return [locator.error(
            CODE, where, f"the load balancer gets only {refs[0].id}; an Application Load Balancer needs "
            "subnets in at least two zones", hint=f"list a {kind} subnet of a second zone")]
    unknown = [r.id for r in refs if r.zone is None]
    if unknown:
        return [locator.error(
            CODE, where,
            f"the zones of {listing(unknown, 'and')} are not given, so the compiler cannot check that the "
            "load balancer's subnets span two zones (AWS refuses the deployment otherwise)",
            hint="write each as {id: subnet-..., zone: us-east-1a} to have it checked", severity=WARNING)]
    zones: dict[str, str] = {}
    found = []
    for i, ref in enumerate(refs):
        if ref.zone in zones:
            found.append(locator.error(
                CODE, (*where, i),
                f"{ref.id} is in {ref.zone}, like {zones[ref.zone]}; a load balancer takes one subnet per zone",
                hint="list one subnet of each zone", severity=ERROR))
        zones.setdefault(ref.zone, ref.id)
    if len(zones) < 2:
        found.append(locator.error(
            CODE, where,
            f"the load balancer's {kind} subnets are all in {listing(sorted(zones), 'and')}; "
            "an Application Load Balancer needs subnets in at least two zones",
            hint="add a subnet of another zone"))
    return found


def _efs_paths(app: App):
    """(spec path, Efs) of every EFS volume of a service or a job."""
    for kind, workloads in (("services", app.services), ("jobs", app.jobs)):
        for w in workloads:
            for v in w.efs_volumes:
                yield (kind, w.name, "storage", "volumes", v.name, "efs"), v.efs


def _efs(app: App, existing, locator: Locator) -> list[Diagnostic]:
    """EFS in an existing VPC. The managed file system gets one mount target per zone (EFS
    refuses a second in a zone), so the zone of every private subnet must be known. Tasks reach
    NFS (TCP 2049) on the managed mount targets through their security group; an existing file
    system's mount targets are reached through the VPC's CIDR, which must then be given."""
    found = []
    if app.uses_managed_efs:
        for i, ref in enumerate(existing.private):
            if ref.zone is None:
                found.append(locator.error(
                    CODE, (*SUBNETS, "private", i),
                    f"the zone of {ref.id} is not given, and the managed EFS file system takes one "
                    "mount target per zone (in the first private subnet of each)",
                    hint=f"write it as {{id: {ref.id}, zone: ...}}"))
    if app.network.cidr is None:
        for path, spec in _efs_paths(app):
            if not spec.managed:
                found.append(locator.error(
                    CODE, path,
                    f"tasks reach the mount targets of {spec.file_system_id} over NFS (TCP 2049) "
                    "through the VPC's CIDR, and this existing VPC's CIDR is not given",
                    hint="set network.vpc.cidr (the tasks may then open TCP connections in the VPC)"))
    return found
