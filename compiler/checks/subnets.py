"""FC205: explicit subnets: valid, inside the VPC, disjoint, sized, one of each kind per zone."""

from __future__ import annotations

import ipaddress

from compiler.checks._util import raw
from compiler.diagnostics import Diagnostic, Locator, dotted
from compiler.model import App

CODE = "FC205"
BASE = ("network", "vpc", "subnets")
AWS_LARGEST, AWS_SMALLEST = 16, 28     # a VPC subnet is /16 ... /28
ALB_SMALLEST = 27                       # a load balancer's subnets need /27 or larger


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    if not raw(data, *BASE) or app.network.existing is not None:
        return []                       # carved by the compiler (FC204 checks the VPC size); or IDs (FC260)
    try:
        vpc = ipaddress.IPv4Network(app.network.cidr, strict=False)
    except ValueError:
        return []                       # FC204 reports the VPC cidr
    found = []
    seen: list[tuple[tuple, ipaddress.IPv4Network]] = []
    zones = app.network.az_count
    alb_kinds = {"public" if lb.public else "private" for lb in app.owned_load_balancers}
    lists = {"public": app.network.public_subnets, "private": app.network.private_subnets}
    for kind, cidrs in lists.items():
        if len(cidrs) != zones:
            found.append(locator.error(
                CODE, (*BASE, kind),
                f"{len(cidrs)} {kind} subnet(s) for {zones} zones; "
                f"give exactly one {kind} subnet per zone ({zones})"))
        for index, cidr in enumerate(cidrs):
            path = (*BASE, kind, index)
            net, problem = _parse(cidr)
            if problem:
                found.append(locator.error(CODE, path, problem))
                if net is None:
                    continue
            if not AWS_LARGEST <= net.prefixlen <= AWS_SMALLEST:
                found.append(locator.error(
                    CODE, path,
                    f"{kind} subnet {cidr} is /{net.prefixlen}; "
                    f"AWS subnets are /{AWS_LARGEST} to /{AWS_SMALLEST}"))
            elif kind in alb_kinds and net.prefixlen > ALB_SMALLEST:
                found.append(locator.error(
                    CODE, path,
                    f"{kind} subnet {cidr} is /{net.prefixlen}, but the load balancer lives in "
                    f"the {kind} subnets and needs /{ALB_SMALLEST} or larger"))
            if not net.subnet_of(vpc):
                found.append(locator.error(
                    CODE, path, f"{kind} subnet {cidr} is not inside the VPC cidr {vpc}"))
            for other_path, other in seen:
                if net.overlaps(other):
                    found.append(locator.error(
                        CODE, path,
                        f"{kind} subnet {cidr} overlaps {other} ({dotted(other_path)})"))
                    break
            seen.append((path, net))
    return found


def _parse(cidr: str) -> tuple[ipaddress.IPv4Network | None, str]:
    try:
        return ipaddress.IPv4Network(cidr), ""
    except ValueError:
        pass
    try:
        net = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return None, f"'{cidr}' is not an IPv4 cidr like 10.0.0.0/24"
    return net, f"'{cidr}' has host bits set; the subnet is {net}"
