"""Carving subnets from the VPC cidr: deterministic, one public and one private per zone."""

from __future__ import annotations

import ipaddress
import math

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
