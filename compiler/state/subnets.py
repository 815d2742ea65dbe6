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
