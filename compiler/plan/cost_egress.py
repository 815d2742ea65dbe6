"""The egress choice costed three ways: one NAT gateway, one per zone, or VPC endpoints and
no NAT; where each pair costs the same, and which is cheapest at the assumed traffic
(the traffic model is in `compiler.plan.cost`)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import model as m
from compiler.checks import private_egress
from compiler.plan.cost_items import Assumptions
from compiler.plan.cost_network import private_services
from compiler.plan.prices import RegionPrices

# What a private task needs without a NAT gateway: the rule of the compiler's check
# FC210 (pull images: ECR API + registry, layers from S3; ship logs), plus the
# endpoint of each kind of secret it reads and ssmmessages for ECS Exec, as FC210 asks.
BASE_ENDPOINTS = private_egress.REQUIRED
PRIVATE_ECR_IMAGE = private_egress.PRIVATE_ECR

NAT_SINGLE, NAT_PER_AZ, ENDPOINTS = "nat-single", "nat-per-az", "endpoints"
EGRESS_SCOPE = ("the options cost egress alone: NAT gateways with their Elastic IPs, or the endpoints the "
                "private services need; other interface endpoints of the spec are left out of the NAT "
                "options (a NAT reaches their services too)")


@dataclass(frozen=True)
class EgressOption:
    key: str                          # NAT_SINGLE | NAT_PER_AZ | ENDPOINTS
    label: str
    fixed: float                      # USD/month whatever the traffic
    per_gb: float                     # USD per GB of traffic
    monthly: float                    # fixed + per_gb × assumed traffic
    endpoints: tuple[str, ...]        # the endpoints the option needs (ENDPOINTS only)
    feasible: bool
    note: str
    current: bool                     # the spec's own egress

    def at(self, traffic_gb: float) -> float:
        return self.fixed + self.per_gb * traffic_gb


@dataclass(frozen=True)
class BreakEven:
    a: str
    b: str
    traffic_gb: float | None          # where a and b cost the same; None: never for traffic > 0
    text: str


@dataclass(frozen=True)
class EgressAdvice:
    applicable: bool
    reason: str                       # why not, when not applicable
    traffic_gb: float
    options: tuple[EgressOption, ...]
    cheapest: str | None              # key of the cheapest feasible option at the assumed traffic
    break_evens: tuple[BreakEven, ...]  # every pair of options
    flips: tuple[tuple[float, str, str], ...]  # (GB/month, cheapest below, cheapest above), feasible options


def required_endpoints(app: m.App) -> tuple[str, ...]:
    """The endpoints the private services need to run without a NAT gateway, sorted."""
    services = private_services(app)
    if not services:
        return ()
    needed = set(BASE_ENDPOINTS)
    for s in services:
        needed.update(secret.kind for secret in s.all_secrets)
        if s.exec:
            needed.add("ssmmessages")
        if s.publish:
            needed.add("sns")          # FC252: publishing from private subnets without NAT
        if s.subscribe:
            needed.add("sqs")
    return tuple(sorted(needed))


def unreachable_images(app: m.App) -> tuple[str, ...]:
    """Why the private services' images could not be pulled through endpoints (FC210's rule)."""
    outside, regions = [], set()
    for s in private_services(app):
        for name, image in ((s.name, s.image), *((f"{s.name}/{c.name}", c.image) for c in s.sidecars)):
            match = PRIVATE_ECR_IMAGE.match(image)
            if match:
                regions.add(match.group("region"))
            else:
                outside.append(f"{name} ({image})")
    found = [f"images outside private ECR: {', '.join(outside)}"] if outside else []
    if len(regions) > 1:
        found.append(f"images in ECR of several regions: {', '.join(sorted(regions))}")
    return tuple(found)


def _options(app: m.App, p: RegionPrices, hours: int, traffic: float) -> list[EgressOption]:
    zones = app.network.az_count
    nat_fixed = hours * (p.nat_hour + p.public_ipv4_hour)       # the gateway and its Elastic IP
    cross = (zones - 1) / zones * 2 * p.inter_az_gb_each_way
    needed = required_endpoints(app)
    interface = [e for e in needed if e not in m.GATEWAY_ENDPOINTS]
    blockers = unreachable_images(app)
    current = {"single": NAT_SINGLE, "per_az": NAT_PER_AZ, "none": ENDPOINTS}[app.network.nat]
    specs = [
        (NAT_SINGLE, "nat: single", nat_fixed, p.nat_gb + cross, (), True,
         f"1 NAT gateway + Elastic IP; {zones - 1} of {zones} zones' traffic crosses zones"
         " (no zone redundancy)" if zones > 1 else "1 NAT gateway + Elastic IP"),
        (NAT_PER_AZ, "nat: per_az", zones * nat_fixed, p.nat_gb, (), True,
         f"{zones} NAT gateways + Elastic IPs, one per zone; traffic stays in its zone"),
        (ENDPOINTS, "endpoints, no NAT", len(interface) * zones * hours * p.interface_endpoint_hour,
         p.interface_endpoint_gb, needed, not blockers,
         f"{len(interface)} interface endpoints × {zones} zones ({', '.join(interface)}) + free s3 gateway"
         + "".join(f"; not possible as is: {why}" for why in blockers)),
    ]
    return [EgressOption(key, label, fixed, per_gb, fixed + per_gb * traffic, eps, ok, note, key == current)
            for key, label, fixed, per_gb, eps, ok, note in specs]


def break_even(a: EgressOption, b: EgressOption) -> BreakEven:
    """Where fixed_a + per_gb_a × T = fixed_b + per_gb_b × T, for T > 0."""
    if a.per_gb == b.per_gb:
        low = a if a.fixed <= b.fixed else b
        return BreakEven(a.key, b.key, None,
                         f"never: the same price per GB, {low.label} always costs "
                         f"${abs(a.fixed - b.fixed):,.2f}/month less")
    t = (b.fixed - a.fixed) / (a.per_gb - b.per_gb)
    if t <= 0:
        low = a if a.fixed + a.per_gb <= b.fixed + b.per_gb else b
        return BreakEven(a.key, b.key, None, f"never for positive traffic: {low.label} is always cheaper")
    steep, flat = (a, b) if a.per_gb > b.per_gb else (b, a)
    return BreakEven(a.key, b.key, t,
                     f"{t:,.1f} GB/month: below it {steep.label} is cheaper, above it {flat.label}")


def _cheapest(options: list[EgressOption], traffic: float) -> EgressOption:
    return min(options, key=lambda o: (round(o.at(traffic), 9), o.fixed))


def _flips(options: list[EgressOption]) -> list[tuple[float, str, str]]:
    """Breakpoints of the lower envelope of the options' cost lines, for traffic > 0."""
    points = sorted({be.traffic_gb for i, a in enumerate(options) for b in options[i + 1:]
                     if (be := break_even(a, b)).traffic_gb is not None})
    flips = []
    for t in points:
        below, above = _cheapest(options, t * (1 - 1e-9)), _cheapest(options, t * (1 + 1e-9) + 1e-9)
        if below.key != above.key:
            flips.append((t, below.key, above.key))
    return flips


def egress_advice(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> EgressAdvice:
    if not private_services(app):
        return EgressAdvice(False, "no service runs in private subnets: tasks reach out through the "
                                   "internet gateway with their public IPs", a.traffic_gb, (), None, (), ())
    if app.network.existing is not None:
        # FC260 refuses `nat` in an existing VPC: a NAT option would price what cannot be built.
        reason = (f"the VPC {app.network.existing.id} exists already: its NAT gateways and routes are its "
                  "owner's and the compiler makes none (nat cannot be set)")
        if app.network.endpoints:
            reason += "; the endpoints the spec lists are priced above"
        return EgressAdvice(False, reason, a.traffic_gb, (), None, (), ())
    options = _options(app, p, hours, a.traffic_gb)
    feasible = [o for o in options if o.feasible]
    pairs = tuple(break_even(x, y) for i, x in enumerate(options) for y in options[i + 1:])
    return EgressAdvice(True, "", a.traffic_gb, tuple(options), _cheapest(feasible, a.traffic_gb).key,
                        pairs, tuple(_flips(feasible)))
