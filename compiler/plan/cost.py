"""Monthly cost of an app's fixed infrastructure, and the egress choice costed three ways.

Everything is linear in the prices: a line item is quantity × hours × price, or
GB × price. Hours per month come from the price table (730). What the spec does
not say (traffic, ALB load, log volume) is an `Assumptions` field, printed beside
every figure that uses it.

Traffic model. `traffic_gb` is the data per month between the tasks in private
subnets and everything outside the VPC (AWS APIs, ECR, the internet). With a NAT
gateway all of it is charged at the NAT's per-GB rate (an upper bound when
interface endpoints also exist: private DNS sends their services' share through
the endpoints); with a single NAT gateway the share of tasks in the other zones,
(zones - 1) / zones, also crosses zones and pays inter-AZ transfer in both
directions. Without a NAT it all goes through the interface endpoints at their
per-GB rate (an upper bound too: image layers come from S3 through the free
gateway endpoint). Tasks in public subnets use the internet gateway: no
processing charge. Data transfer out to the internet is the same whichever way
the traffic leaves, so it is left out everywhere.

The figures come from one module each: cost_network (NAT gateways, endpoints, the load
balancer, public IPv4), cost_compute (Fargate, jobs), cost_data (logs, discovery, messaging,
EFS, domains), all on cost_items' Assumptions and LineItem; cost_egress compares the egress
options. This module adds them up, and its names are the ones callers use.
"""

from __future__ import annotations

from compiler import model as m
from compiler.plan.cost_compute import fargate_items, job_items, runs_per_month  # noqa: F401
from compiler.plan.cost_schedule import saving_items
from compiler.plan.cost_data import discovery_items, domain_items, log_items, messaging_items, storage_items
from compiler.plan.cost_egress import (  # noqa: F401  (callers read them as cost.X)
    EGRESS_SCOPE,
    ENDPOINTS,
    NAT_PER_AZ,
    NAT_SINGLE,
    EgressAdvice,
    EgressOption,
    break_even,
    egress_advice,
    required_endpoints,
)
from compiler.plan.cost_items import Assumptions, LineItem
from compiler.plan.cost_network import egress_items, load_balancer_items, nlb_items, public_ip_items
from compiler.plan.prices import RegionPrices


def fixed_costs(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    """The itemized monthly cost of the app as the spec describes it."""
    return [*egress_items(app, p, hours, a), *load_balancer_items(app, p, hours, a), *nlb_items(app, p, hours, a),
            *public_ip_items(app, p, hours), *fargate_items(app, p, hours), *saving_items(app, p, hours),
            *log_items(app, p, a),
            *discovery_items(app, p), *messaging_items(app, p, a), *job_items(app, p, hours, a),
            *storage_items(app, p, a), *domain_items(app)]
