"""The network as the spec has it: NAT gateways, VPC endpoints, the load balancer and the
public IPv4 addresses (the traffic model is in `compiler.plan.cost`)."""

from __future__ import annotations

from compiler import model as m
from compiler.plan.cost_items import Assumptions, LineItem, num, usd
from compiler.plan.prices import RegionPrices


def private_services(app: m.App) -> tuple[m.Service, ...]:
    return tuple(s for s in app.services if s.placement == "private")


def public_task_count(app: m.App) -> int:
    return sum(s.desired_count for s in app.services if s.placement == "public")


def egress_items(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    """NAT gateways and VPC endpoints: their hours and the traffic they process."""
    net = app.network
    zones = net.az_count
    private = bool(private_services(app))
    items: list[LineItem] = []

    if net.nat_count:
        items.append(LineItem("NAT gateways", "hours", f"{net.nat_count} × {hours} h × {usd(p.nat_hour)}/h",
                              net.nat_count * hours * p.nat_hour))
        traffic = a.traffic_gb if private else 0.0
        items.append(LineItem("NAT gateways", "data processed", f"{num(traffic)} GB × {usd(p.nat_gb)}/GB",
                              traffic * p.nat_gb,
                              "assumed traffic" if private else "no task in private subnets"))
        if net.nat_count == 1 and zones > 1 and private:
            share = (zones - 1) / zones
            items.append(LineItem("NAT gateways", "cross-zone traffic to the single NAT",
                                  f"{num(traffic)} GB × {zones - 1}/{zones} × 2 × {usd(p.inter_az_gb_each_way)}/GB",
                                  traffic * share * 2 * p.inter_az_gb_each_way,
                                  "tasks spread evenly over the zones; billed in both directions"))

    interface = net.interface_endpoints
    if interface:
        n = len(interface)
        items.append(LineItem("Interface endpoints", f"hours ({', '.join(interface)})",
                              f"{n} × {zones} zones × {hours} h × {usd(p.interface_endpoint_hour)}/h",
                              n * zones * hours * p.interface_endpoint_hour))
        traffic = a.traffic_gb if private and not net.nat_count else 0.0
        why = ("assumed traffic" if traffic else
               "the traffic is counted at the NAT" if net.nat_count else "no task in private subnets")
        items.append(LineItem("Interface endpoints", "data processed",
                              f"{num(traffic)} GB × {usd(p.interface_endpoint_gb)}/GB",
                              traffic * p.interface_endpoint_gb, why))
    for name in net.gateway_endpoints:
        items.append(LineItem("Gateway endpoints", name, "free", 0.0))
    return items


def load_balancer_items(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    """Each ALB of the app's: hours and LCU-hours (the assumed load, each). An existing ALB's
    hours are its owner's bill; its extra LCUs for this app's traffic are not estimated."""
    owned = app.owned_load_balancers
    items = []
    if len(owned) == 1:
        items = [LineItem("Load balancer", "ALB hours", f"{hours} h × {usd(p.alb_hour)}/h", hours * p.alb_hour),
                 LineItem("Load balancer", "LCU-hours", f"{num(a.alb_lcu)} LCU × {hours} h × {usd(p.alb_lcu_hour)}/h",
                          a.alb_lcu * hours * p.alb_lcu_hour, "assumed ALB load")]
    elif owned:
        n, names = len(owned), ", ".join(lb.name for lb in owned)
        items = [LineItem("Load balancer", f"ALB hours ({names})", f"{n} × {hours} h × {usd(p.alb_hour)}/h",
                          n * hours * p.alb_hour),
                 LineItem("Load balancer", "LCU-hours",
                          f"{n} × {num(a.alb_lcu)} LCU × {hours} h × {usd(p.alb_lcu_hour)}/h",
                          n * a.alb_lcu * hours * p.alb_lcu_hour, "assumed load, each ALB")]
    for lb in app.load_balancers:
        if lb.existing is not None:
            items.append(LineItem("Load balancer", f"existing ALB {lb.name}", "its owner's", 0.0,
                                  "target groups and rules are free; the LCUs of this app's traffic are billed to "
                                  "the ALB's owner"))
    return items


def nlb_items(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    """The Network Load Balancers (stacks/nlb.py): hours and NLCU-hours each; a shared one
    (network_load_balancers) once, whatever the number of services on it."""
    n = app.nlb_count
    if not n:
        return []
    names = ", ".join([s.name for s in app.own_nlb_services]
                      + [f"{lb.name} (shared)" for lb in app.network_load_balancers])
    return [LineItem("Network load balancers", f"NLB hours ({names})", f"{n} × {hours} h × {usd(p.alb_hour)}/h",
                     n * hours * p.alb_hour),
            LineItem("Network load balancers", "NLCU-hours",
                     f"{n} × {num(a.nlb_lcu)} NLCU × {hours} h × {usd(p.nlb_lcu_hour)}/h",
                     n * a.nlb_lcu * hours * p.nlb_lcu_hour, "assumed NLB load")]


def public_ip_items(app: m.App, p: RegionPrices, hours: int) -> list[LineItem]:
    """One line: the internet-facing ALB's addresses, the NAT gateways' and the public tasks'."""
    net = app.network
    ips = []
    public_albs = sum(1 for lb in app.owned_load_balancers if lb.public)
    if public_albs:
        ips.append((public_albs * net.az_count, "internet-facing ALB" + "s" * (public_albs != 1) + " (one per zone)"))
    public_nlbs = (sum(1 for s in app.own_nlb_services if s.nlb.public)
                   + sum(1 for lb in app.network_load_balancers if lb.public))
    if public_nlbs:
        ips.append((public_nlbs * net.az_count, "internet-facing NLB" + "s" * (public_nlbs != 1) + " (one per zone)"))
    if net.nat_count:
        ips.append((net.nat_count, "NAT Elastic IP" + "s" * (net.nat_count != 1)))
    if public_task_count(app):
        ips.append((public_task_count(app), "public task" + "s" * (public_task_count(app) != 1)))
    if not ips:
        return []
    total = sum(n for n, _ in ips)
    return [LineItem("Public IPv4 addresses", " + ".join(f"{n} {why}" for n, why in ips),
                     f"{total} × {hours} h × {usd(p.public_ipv4_hour)}/h",
                     total * hours * p.public_ipv4_hour)]
