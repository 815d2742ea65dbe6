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
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import model as m
from compiler.checks import private_egress
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
class Assumptions:
    traffic_gb: float = 100.0         # GB/month between private tasks and the outside of the VPC
    alb_lcu: float = 1.0              # average ALB load, in LCUs, every hour of the month
    log_gb_per_task: float = 1.0      # container logs ingested per running task per month
    flow_log_gb: float = 5.0          # VPC flow-log records per month (any traffic filter)
    messages_per_topic: float = 1_000_000   # messages published to each topic per month
    job_minutes: float = 10.0         # how long one run of a job takes (capped by its timeout)
    efs_gb: float = 10.0              # data stored on the managed EFS file system (and backed up)
    efs_read_gb: float = 20.0         # read from it per month
    efs_write_gb: float = 5.0         # written to it per month

    def described(self) -> dict[str, str]:
        return {
            "traffic_gb": f"{_num(self.traffic_gb)} GB/month between the private tasks and outside the VPC "
                          "(all of it through the NAT when there is one, else through the interface endpoints)",
            "alb_lcu": f"{_num(self.alb_lcu)} LCU on average, every hour "
                       "(1 LCU = 25 new connections/s, 3,000 active connections/min, 1 GB/h or 1,000 rule evaluations/s)",
            "log_gb_per_task": f"{_num(self.log_gb_per_task)} GB/month of container logs per running task",
            "flow_log_gb": f"{_num(self.flow_log_gb)} GB/month of VPC flow-log records",
            "messages_per_topic": f"{_num(self.messages_per_topic)} messages/month published to each SNS topic, "
                                  "every one delivered to each subscribed queue (filter policies ignored: an upper "
                                  "bound) and received and deleted once (2 SQS requests)",
            "job_minutes": f"{_num(self.job_minutes)} minutes per job run (or the job's timeout when shorter)",
            "efs_gb": f"{_num(self.efs_gb)} GB stored on the managed EFS file system (one backup copy as large)",
            "efs_read_gb": f"{_num(self.efs_read_gb)} GB/month read from the managed EFS file system",
            "efs_write_gb": f"{_num(self.efs_write_gb)} GB/month written to the managed EFS file system",
        }


@dataclass(frozen=True)
class LineItem:
    category: str
    item: str
    quantity: str                     # how the figure is made, e.g. "3 × 730 h × $0.045/h"
    monthly: float                    # USD per month
    assumption: str = ""              # the assumption the figure rests on, if any


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


def _num(x: float) -> str:
    return f"{x:,.10g}"


def _usd(price: float) -> str:
    return f"${price:g}"


def private_services(app: m.App) -> tuple[m.Service, ...]:
    return tuple(s for s in app.services if s.placement == "private")


def public_task_count(app: m.App) -> int:
    return sum(s.desired_count for s in app.services if s.placement == "public")


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


def fargate_rates(service: m.Service, p: RegionPrices) -> tuple[float, float, str]:
    """(per vCPU-hour, per GB-hour, description) for the service's architecture and capacity."""
    arm = service.platform == "linux/arm64"
    vcpu, gb = (p.fargate_arm_vcpu_hour, p.fargate_arm_gb_hour) if arm else (p.fargate_vcpu_hour, p.fargate_gb_hour)
    kind = "Linux/ARM" if arm else "Linux/x86"
    if service.spot:
        factor = 1 - p.fargate_spot_discount
        vcpu, gb = vcpu * factor, gb * factor
        kind += f", Spot: on-demand − {p.fargate_spot_discount:.0%}"
    return vcpu, gb, kind


def fargate_items(app: m.App, p: RegionPrices, hours: int) -> list[LineItem]:
    items = []
    for s in app.services:
        vcpu_rate, gb_rate, kind = fargate_rates(s, p)
        vcpus, gbs = s.cpu / 1024, s.memory / 1024
        monthly = s.desired_count * hours * (vcpus * vcpu_rate + gbs * gb_rate)
        count = (f"the minimum of its {s.scaling.min}-{s.scaling.max} autoscaling range"
                 if s.scaling else "its desired count")
        note = f"{s.desired_count} task(s): {count}"
        items.append(LineItem(
            "Fargate", f"{s.name} ({kind})",
            f"{s.desired_count} × {hours} h × ({_num(vcpus)} vCPU × {_usd(vcpu_rate)} + "
            f"{_num(gbs)} GB × {_usd(gb_rate)})",
            monthly, note))
    return items


def fixed_costs(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    """The itemized monthly cost of the app as the spec describes it."""
    net = app.network
    zones = net.az_count
    private = bool(private_services(app))
    items: list[LineItem] = []

    if net.nat_count:
        items.append(LineItem("NAT gateways", "hours", f"{net.nat_count} × {hours} h × {_usd(p.nat_hour)}/h",
                              net.nat_count * hours * p.nat_hour))
        traffic = a.traffic_gb if private else 0.0
        items.append(LineItem("NAT gateways", "data processed", f"{_num(traffic)} GB × {_usd(p.nat_gb)}/GB",
                              traffic * p.nat_gb,
                              "assumed traffic" if private else "no task in private subnets"))
        if net.nat_count == 1 and zones > 1 and private:
            share = (zones - 1) / zones
            items.append(LineItem("NAT gateways", "cross-zone traffic to the single NAT",
                                  f"{_num(traffic)} GB × {zones - 1}/{zones} × 2 × {_usd(p.inter_az_gb_each_way)}/GB",
                                  traffic * share * 2 * p.inter_az_gb_each_way,
                                  "tasks spread evenly over the zones; billed in both directions"))

    interface = net.interface_endpoints
    if interface:
        n = len(interface)
        items.append(LineItem("Interface endpoints", f"hours ({', '.join(interface)})",
                              f"{n} × {zones} zones × {hours} h × {_usd(p.interface_endpoint_hour)}/h",
                              n * zones * hours * p.interface_endpoint_hour))
        traffic = a.traffic_gb if private and not net.nat_count else 0.0
        why = ("assumed traffic" if traffic else
               "the traffic is counted at the NAT" if net.nat_count else "no task in private subnets")
        items.append(LineItem("Interface endpoints", "data processed",
                              f"{_num(traffic)} GB × {_usd(p.interface_endpoint_gb)}/GB",
                              traffic * p.interface_endpoint_gb, why))
    for name in net.gateway_endpoints:
        items.append(LineItem("Gateway endpoints", name, "free", 0.0))

    lb = app.load_balancer
    if lb:
        items.append(LineItem("Load balancer", "ALB hours", f"{hours} h × {_usd(p.alb_hour)}/h", hours * p.alb_hour))
        items.append(LineItem("Load balancer", "LCU-hours", f"{_num(a.alb_lcu)} LCU × {hours} h × {_usd(p.alb_lcu_hour)}/h",
                              a.alb_lcu * hours * p.alb_lcu_hour, "assumed ALB load"))

    ips = []
    if lb and lb.public:
        ips.append((zones, "internet-facing ALB (one per zone)"))
    if net.nat_count:
        ips.append((net.nat_count, "NAT Elastic IP" + "s" * (net.nat_count != 1)))
    if public_task_count(app):
        ips.append((public_task_count(app), "public task" + "s" * (public_task_count(app) != 1)))
    if ips:
        total = sum(n for n, _ in ips)
        items.append(LineItem("Public IPv4 addresses", " + ".join(f"{n} {why}" for n, why in ips),
                              f"{total} × {hours} h × {_usd(p.public_ipv4_hour)}/h",
                              total * hours * p.public_ipv4_hour))

    items += fargate_items(app, p, hours)

    tasks = sum(s.desired_count for s in app.services)
    items.append(LineItem("Logs", "container log ingestion",
                          f"{tasks} tasks × {_num(a.log_gb_per_task)} GB × {_usd(p.logs_ingest_gb)}/GB",
                          tasks * a.log_gb_per_task * p.logs_ingest_gb, "assumed log volume per task"))
    if net.flow_logs:
        items.append(LineItem("Logs", f"VPC flow-log ingestion ({net.flow_logs.traffic})",
                              f"{_num(a.flow_log_gb)} GB × {_usd(p.vended_logs_gb)}/GB",
                              a.flow_log_gb * p.vended_logs_gb, "assumed flow-log volume"))
    if app.uses_namespace:
        items.append(LineItem("Service discovery", f"private DNS namespace {app.namespace}",
                              f"1 hosted zone × {_usd(p.hosted_zone_month)}/month", p.hosted_zone_month))
    items += messaging_items(app, p, a)
    items += job_items(app, p, hours, a)
    items += storage_items(app, p, a)
    items += domain_items(app)
    return items


# Alarm metrics a queue-scaled service adds: target tracking makes two alarms (scale out,
# scale in) on the policy's metric math (2 metrics each), the wake-up alarm 2 more.
TRACKING_ALARM_METRICS = 4
WAKE_UP_ALARM_METRICS = 2
SQS_REQUESTS_PER_MESSAGE = 2          # receive + delete
TRANSITIONS_PER_RUN = 2               # one Task state: enter it, leave it


def messaging_items(app: m.App, p: RegionPrices, a: Assumptions) -> list[LineItem]:
    items = []
    msgs = a.messages_per_topic
    for s in app.services:
        for topic in s.publish:
            note = "assumed messages" + ("; FIFO topics are billed per publish and payload GB: priced as standard"
                                         if topic.fifo else "")
            items.append(LineItem("Messaging", f"SNS topic {s.name}/{topic.name}: publishes",
                                  f"{_num(msgs / 1e6)} M × {_usd(p.sns_publish_million)}/M",
                                  msgs / 1e6 * p.sns_publish_million, note))
    for s in app.services:
        if not s.subscribe:
            continue
        fifo = s.subscribe.queue.fifo
        rate = p.sqs_fifo_million if fifo else p.sqs_standard_million
        delivered = msgs * len(s.subscribe.topics)
        requests = delivered * SQS_REQUESTS_PER_MESSAGE / 1e6
        items.append(LineItem("Messaging", f"SQS queue of {s.name}{' (FIFO)' if fifo else ''}: requests",
                              f"{_num(requests)} M requests × {_usd(rate)}/M", requests * rate,
                              f"{len(s.subscribe.topics)} topic(s) × assumed messages × "
                              f"{SQS_REQUESTS_PER_MESSAGE} requests; empty receives while idle not counted"))
        if s.scaling and s.scaling.queue:
            metrics = TRACKING_ALARM_METRICS + (WAKE_UP_ALARM_METRICS if s.scaling.min == 0 else 0)
            items.append(LineItem("Messaging", f"queue-scaling alarms of {s.name}",
                                  f"{metrics} alarm metrics × {_usd(p.alarm_metric_month)}/month",
                                  metrics * p.alarm_metric_month,
                                  "target tracking's 2 alarms" + (" + the wake-up alarm" if s.scaling.min == 0 else "")))
    return items


def runs_per_month(expression: str | None, hours: int) -> float:
    """About how often an EventBridge schedule fires in a month of `hours` hours."""
    if not expression:
        return 0.0
    inner = expression[expression.index("(") + 1:-1].split()
    if expression.startswith("rate("):
        minutes = int(inner[0]) * {"minute": 1, "hour": 60, "day": 1440}[inner[1].rstrip("s")]
        return hours * 60 / minutes
    minute, hour, dom, month, dow = inner[:5]
    days_in_month = hours / 24
    per_day = _count(minute, 0, 59) * _count(hour, 0, 23)
    if dom != "?":
        days = days_in_month if dom == "*" else min(_count(dom, 1, 31), days_in_month)
    elif dow == "*":
        days = days_in_month
    else:
        weekly = [i for i in dow.split(",") if not any(c in i for c in "L#")]
        monthly = len(dow.split(",")) - len(weekly)          # 6L, 3#2: once a month each
        days = (_count(",".join(weekly), 1, 7) * days_in_month / 7 if weekly else 0) + monthly
    return per_day * days * _count(month, 1, 12) / 12


def _count(field: str, low: int, high: int) -> float:
    """How many values an AWS cron field matches (an L or W day of the month counts once)."""
    total = 0.0
    for item in field.split(","):
        if item in ("*", "?"):
            total += high - low + 1
        elif any(c in item for c in "LW#"):
            total += 1
        elif "/" in item:
            start, step = item.split("/")
            first = low if start == "*" else _value(start.split("-")[0], low)
            total += len(range(first, high + 1, int(step)))
        elif "-" in item:
            a, b = item.split("-")
            total += _value(b, low) - _value(a, low) + 1
        else:
            total += 1
    return total


_NAMES = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)} | {
    n: i for i, n in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                "NOV", "DEC"), 1)}


def _value(token: str, low: int) -> int:
    return int(token) if token.isdigit() else _NAMES.get(token.upper(), low)


def job_items(app: m.App, p: RegionPrices, hours: int, a: Assumptions) -> list[LineItem]:
    items = []
    for job in app.jobs:
        runs = runs_per_month(job.schedule, hours)
        minutes = min(a.job_minutes, job.timeout / 60) if job.timeout else a.job_minutes
        vcpu_rate, gb_rate, kind = fargate_rates(job, p)
        vcpus, gbs = job.cpu / 1024, job.memory / 1024
        task_hours = runs * minutes / 60
        items.append(LineItem(
            "Jobs", f"{job.name} ({kind}): Fargate",
            f"≈{_num(round(runs, 1))} runs × {_num(minutes)} min × ({_num(vcpus)} vCPU × {_usd(vcpu_rate)} + "
            f"{_num(gbs)} GB × {_usd(gb_rate)})",
            task_hours * (vcpus * vcpu_rate + gbs * gb_rate),
            f"schedule {job.schedule}; assumed run time; retries not counted"))
        transitions = runs * TRANSITIONS_PER_RUN
        items.append(LineItem(
            "Jobs", f"{job.name}: Step Functions",
            f"≈{_num(round(transitions, 1))} transitions × {_usd(p.step_functions_transition_thousand)}/1,000",
            transitions / 1000 * p.step_functions_transition_thousand,
            "the EventBridge schedule itself is free"))
    return items


def storage_items(app: m.App, p: RegionPrices, a: Assumptions) -> list[LineItem]:
    """The managed EFS file system: storage, elastic throughput and its backups (existing
    file systems are billed to whoever owns them)."""
    if not app.uses_managed_efs:
        return []
    return [
        LineItem("EFS", "Standard storage", f"{_num(a.efs_gb)} GB × {_usd(p.efs_standard_gb_month)}/GB-month",
                 a.efs_gb * p.efs_standard_gb_month, "assumed data stored"),
        LineItem("EFS", "Elastic Throughput reads", f"{_num(a.efs_read_gb)} GB × {_usd(p.efs_elastic_read_gb)}/GB",
                 a.efs_read_gb * p.efs_elastic_read_gb, "assumed reads"),
        LineItem("EFS", "Elastic Throughput writes", f"{_num(a.efs_write_gb)} GB × {_usd(p.efs_elastic_write_gb)}/GB",
                 a.efs_write_gb * p.efs_elastic_write_gb, "assumed writes"),
        LineItem("EFS", "automatic backups (AWS Backup, warm storage)",
                 f"{_num(a.efs_gb)} GB × {_usd(p.efs_backup_gb_month)}/GB-month",
                 a.efs_gb * p.efs_backup_gb_month, "one backup copy of the assumed data (incremental)"),
    ]


def domain_items(app: m.App) -> list[LineItem]:
    """Custom domains: the records and certificates cost nothing; the hosted zone is the user's."""
    names = app.alias_zones
    lb = app.load_balancer
    if not names or lb is None:
        return []
    n = len(names)
    items = [LineItem("Custom domains", f"Route 53 alias records ({n})",
                      "alias queries to the load balancer are free", 0.0,
                      "the hosted zone itself is yours, already billed")]
    if lb.https and lb.https.certificate_arn is None:
        items.append(LineItem("Custom domains", f"ACM public certificates ({n})", "free", 0.0))
    return items


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
