"""Fargate compute: the services' tasks around the clock, and each job's runs as its schedule
fires them (with the Step Functions transitions that start them)."""

from __future__ import annotations

from compiler import model as m
from compiler.plan.cost_items import Assumptions, LineItem, num, usd
from compiler.plan.prices import RegionPrices

TRANSITIONS_PER_RUN = 2               # one Task state: enter it, leave it


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
            f"{s.desired_count} × {hours} h × ({num(vcpus)} vCPU × {usd(vcpu_rate)} + "
            f"{num(gbs)} GB × {usd(gb_rate)})",
            monthly, note))
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
            f"≈{num(round(runs, 1))} runs × {num(minutes)} min × ({num(vcpus)} vCPU × {usd(vcpu_rate)} + "
            f"{num(gbs)} GB × {usd(gb_rate)})",
            task_hours * (vcpus * vcpu_rate + gbs * gb_rate),
            f"schedule {job.schedule}; assumed run time; retries not counted"))
        transitions = runs * TRANSITIONS_PER_RUN
        items.append(LineItem(
            "Jobs", f"{job.name}: Step Functions",
            f"≈{num(round(transitions, 1))} transitions × {usd(p.step_functions_transition_thousand)}/1,000",
            transitions / 1000 * p.step_functions_transition_thousand,
            "the EventBridge schedule itself is free"))
    return items
