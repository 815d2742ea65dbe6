"""Carving subnets from the VPC cidr: deterministic, one public and one private per zone."""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any

SMALLEST_PREFIX = 27  # every carved subnet is a /27 or larger


def carve(cidr: str, zones: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Return (public, private) subnet cidrs, or None when the VPC is too small.

    Preferred layout: the public subnets share the VPC's first quarter and the
    private ones its second half, so private subnets are twice the size of the
    public ones. When that would make public subnets smaller than /27, all 2N
    subnets get one equal size instead. Either way private >= public.
    """
    vpc = ipaddress.ip_network(cidr, strict=False)
    per_zone_bits = math.ceil(math.log2(zones))
    public_prefix = vpc.prefixlen + 2 + per_zone_bits
    if public_prefix <= SMALLEST_PREFIX:
        quarters = list(vpc.subnets(prefixlen_diff=2))
        halves = list(vpc.subnets(prefixlen_diff=1))
        public = list(quarters[0].subnets(new_prefix=public_prefix))[:zones]
        private = list(halves[1].subnets(new_prefix=public_prefix - 1))[:zones]
    else:
        prefix = vpc.prefixlen + math.ceil(math.log2(2 * zones))
        if prefix > SMALLEST_PREFIX:
            return None
        blocks = list(vpc.subnets(new_prefix=prefix))
        public, private = blocks[:zones], blocks[zones : 2 * zones]
    return tuple(map(str, public)), tuple(map(str, private))


def network_address(cidr: str) -> str:
    """`cidr` as its network (10.0.0.1/16 -> 10.0.0.0/16): how a layout records it."""
    return str(ipaddress.ip_network(cidr, strict=False))


def zone_keys(zones: tuple[str, ...], count: int) -> tuple[str, ...]:
    """How the layout names each zone: its name when the spec names zones, else its position
    among the region's zones (`#0`, `#1`, ...: Fn::GetAZs keeps that order)."""
    return tuple(zones) if zones else tuple(f"#{i}" for i in range(count))


def layout(cidr: str, keys: tuple[str, ...], public: tuple[str, ...], private: tuple[str, ...]) -> dict:
    """The record of a carved layout (the lock's and root Metadata's `subnets`)."""
    return {"cidr": str(ipaddress.ip_network(cidr, strict=False)),
            "zones": {k: {"public": p, "private": q} for k, p, q in zip(keys, public, private)}}


def layout_problems(value) -> list[str]:
    if not (isinstance(value, dict) and set(value) == {"cidr", "zones"} and isinstance(value["zones"], dict)):
        return ["not {cidr, zones: {ZONE: {public, private}}}"]
    try:
        vpc = ipaddress.ip_network(value["cidr"])
        seen: list = []
        for key, pair in value["zones"].items():
            if not (isinstance(key, str) and isinstance(pair, dict) and set(pair) == {"public", "private"}):
                return [f"zone {key!r} is not {{public, private}}"]
            for cidr in pair.values():
                net = ipaddress.ip_network(cidr)
                if not net.subnet_of(vpc) or any(net.overlaps(o) for o in seen):
                    return [f"{cidr} is outside {vpc} or overlaps another subnet"]
                seen.append(net)
    except (TypeError, ValueError) as exc:
        return [f"not a CIDR ({exc})"]
    return []


def keep(previous, cidr: str, keys: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(public, private) subnet cidrs for the zones `keys`, each zone of the `previous` layout
    keeping its subnets; a new zone gets blocks of the existing sizes from the VPC's free
    space (the lowest free aligned block), so adding or removing a zone moves no subnet.
    None when the free space has no room. Without a previous layout of this cidr: carve()."""
    vpc = ipaddress.ip_network(cidr, strict=False)
    old = previous.get("zones", {}) if isinstance(previous, dict) and previous.get("cidr") == str(vpc) else {}
    if not old:
        return carve(cidr, len(keys))
    first = next(iter(old.values()))
    sizes = {kind: ipaddress.ip_network(first[kind]).prefixlen for kind in ("public", "private")}
    used = [ipaddress.ip_network(c) for k, pair in old.items() if k in keys for c in pair.values()]
    out: dict[str, list[str]] = {"public": [], "private": []}
    for key in keys:
        if key in old:
            for kind in ("public", "private"):
                out[kind].append(old[key][kind])
            continue
        pair = _free_pair(vpc, sizes, used)
        if pair is None:
            return None
        for kind in ("public", "private"):
            used.append(pair[kind])
            out[kind].append(str(pair[kind]))
    return tuple(out["public"]), tuple(out["private"])


def _free_pair(vpc, sizes: dict[str, int], used: list) -> dict | None:
    """A public and a private block for a new zone from the free space: the sizes the
    existing zones have, else each halved as often as needed (down to SMALLEST_PREFIX)."""
    for shift in range(SMALLEST_PREFIX + 1):
        prefixes = {k: max(p + shift, vpc.prefixlen) for k, p in sizes.items()}
        if max(prefixes.values()) > SMALLEST_PREFIX:
            return None
        taken, pair = list(used), {}
        for kind in sorted(prefixes, key=prefixes.get):   # the larger block first
            block = next((b for b in vpc.subnets(new_prefix=prefixes[kind])
                          if not any(b.overlaps(u) for u in taken)), None)
            if block is None:
                break
            pair[kind] = block
            taken.append(block)
        else:
            return pair
    return None


_SUBNET_ID = re.compile(r"^(Public|Private)Subnet([1-9][0-9]*)$")


def layout_of_template(template: Any) -> dict | None:
    """The layout a network template carved (its VPC's CidrBlock and the literal CidrBlock of
    each PublicSubnetN/PrivateSubnetN, the zone from AvailabilityZone: a name, or
    Fn::Select [N-1, Fn::GetAZs] as `#N-1`); None unless that is exactly what it holds."""
    try:
        resources = template["Resources"]
        [vpc] = [r["Properties"]["CidrBlock"] for r in resources.values() if r.get("Type") == "AWS::EC2::VPC"]
        zones: dict[int, dict] = {}
        for logical_id, r in resources.items():
            found = _SUBNET_ID.match(logical_id)
            if not found or r.get("Type") != "AWS::EC2::Subnet":
                continue
            index, props = int(found.group(2)) - 1, r["Properties"]
            zone = props["AvailabilityZone"]
            if isinstance(zone, dict):
                select = zone["Fn::Select"]
                if select[0] != index or not isinstance(select[1], dict) or "Fn::GetAZs" not in select[1]:
                    return None
                zone = f"#{index}"
            entry = zones.setdefault(index, {"zone": zone})
            if entry["zone"] != zone or not isinstance(props["CidrBlock"], str):
                return None
            entry[found.group(1).lower()] = props["CidrBlock"]
        if not zones or sorted(zones) != list(range(len(zones))) or any(len(z) != 3 for z in zones.values()):
            return None
        keys = tuple(zones[i]["zone"] for i in range(len(zones)))
        if not isinstance(vpc, str) or len(set(keys)) != len(keys):
            return None
        found_layout = layout(vpc, keys, tuple(zones[i]["public"] for i in range(len(zones))),
                              tuple(zones[i]["private"] for i in range(len(zones))))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None
    return found_layout if not layout_problems(found_layout) else None
