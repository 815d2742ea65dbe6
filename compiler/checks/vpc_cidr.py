"""FC204: the VPC cidr is a usable network address, big enough to carve subnets when none are given."""

from __future__ import annotations

import ipaddress

from compiler.checks._util import given
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App
from compiler.state.subnets import SMALLEST_PREFIX, carve

CODE = "FC204"
PATH = ("network", "vpc", "cidr")
# Address ranges no VPC can use: hosts there are unreachable or special to every network stack.
UNUSABLE = {
    "0.0.0.0/8": "'this network'",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link-local (the instance metadata and DNS live there)",
    "224.0.0.0/4": "multicast",
    "240.0.0.0/4": "reserved",
}


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    cidr = app.network.cidr
    if cidr is None:
        return []                       # an existing VPC whose cidr is not given
    try:
        vpc = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return [locator.error(CODE, PATH, f"'{cidr}' is not an IPv4 cidr like 10.0.0.0/16")]
    found = []
    if str(vpc) != cidr:
        found.append(locator.error(
            CODE, PATH, f"'{cidr}' has host bits set; the network is {vpc}"))
    for block, what in UNUSABLE.items():
        if vpc.overlaps(ipaddress.IPv4Network(block)):
            found.append(locator.error(
                CODE, PATH,
                f"{vpc} lies in {block}, the {what} range, which a VPC cannot use; "
                "use a private range such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16"))
            return found
    user_subnets = given(data, "network", "vpc", "subnets") and bool(
        data["network"]["vpc"]["subnets"])
    if app.network.existing is None and not user_subnets and not (app.network.public_subnets and app.network.private_subnets):
        zones = app.network.az_count
        fits = smallest_fitting_prefix(zones)
        suggestion = f" (e.g. {vpc.supernet(new_prefix=fits)})" if fits <= vpc.prefixlen else ""
        found.append(locator.error(
            CODE, PATH,
            f"{cidr} is too small to carve one public and one private subnet "
            f"(each /{SMALLEST_PREFIX} or larger) in each of {zones} zones; "
            f"use a /{fits} or larger{suggestion}",
            hint="or list network.vpc.subnets yourself"))
    return found + _layout(app, vpc, data, locator)


def _layout(app: App, vpc, data: dict, locator: Locator) -> list[Diagnostic]:
    """What the last compile's subnet layout (placement) makes of this cidr and zone count."""
    net = app.network
    found = []
    if net.previous_cidr:
        found.append(locator.error(
            CODE, PATH,
            f"the VPC cidr changed from {net.previous_cidr} to {vpc}: CloudFormation replaces the VPC "
            "and every subnet, security group and endpoint in it (a load balancer cannot move to another "
            "VPC: with one the update fails); a new cidr needs a new stack (deploy it beside the old "
            "one, move the traffic, then delete the old)",
            hint="keep the old cidr to update this stack", severity=WARNING))
    if net.no_room:
        zones = "zones" if given(data, "network", "vpc", "zones") else "azs"
        found.append(locator.error(
            CODE, ("network", "vpc", zones),
            f"{vpc} has no free space for the subnets of {net.az_count} zones without moving the "
            f"existing ones (each new subnet a /{SMALLEST_PREFIX} or larger); a moved subnet is "
            "replaced and its new cidr overlaps the old one, so the update would fail",
            hint="keep the zone count, or deploy a larger cidr as a new stack"))
    return found


def smallest_fitting_prefix(zones: int) -> int:
    """The longest VPC prefix length whose carving succeeds for `zones` zones."""
    for prefix in range(SMALLEST_PREFIX, 0, -1):
        if carve(f"10.0.0.0/{prefix}", zones):
            return prefix
    return 16
