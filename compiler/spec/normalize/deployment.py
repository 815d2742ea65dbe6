"""`services.<name>.deployment` and `count.schedule`: the strategy, its bake times, the
alarms that roll a deployment back, lifecycle hooks, test traffic; scheduled counts.

The defaults are ECS's own (so what the template says is what ECS would do unasked),
written out so that `plan` and the checks read one value:

- canary: 5 % of production traffic, then 10 minutes' bake before the rest;
- linear: steps of 10 %, 6 minutes' bake between steps;
- bake (BakeTimeInMinutes, both revisions kept after the last shift): 15 minutes for
  blue/green, canary and linear; none for rolling.

Alarms: on by default for every non-rolling strategy (and only when asked for rolling).
The compiler's alarms trip on a target 5xx rate above 1 % (errors_percent), a p99 target
response time above 2 s (latency_p99) and, behind a load balancer, any unhealthy target
(stacks/deployment_alarms.py has their periods).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

from compiler import model as m
from compiler.spec.schedules import ScheduleError, duration_seconds, to_aws

STRATEGIES = {"rolling": "ROLLING", "blue_green": "BLUE_GREEN", "canary": "CANARY", "linear": "LINEAR"}

CANARY_PERCENT = 5.0
CANARY_BAKE_MINUTES = 10
LINEAR_PERCENT = 10.0
LINEAR_BAKE_MINUTES = 6
BAKE_MINUTES = 15                 # ECS's BakeTimeInMinutes for blue/green, canary and linear
ERRORS_PERCENT = 1.0
LATENCY_P99_SECONDS = 2.0
SCHEDULE_TIMEZONE = "UTC"


def minutes(value: Any) -> float:
    """A duration as minutes (the checks refuse what is not whole)."""
    return duration_seconds(value) / 60


def deployment(spec: Mapping[str, Any]) -> m.Deployment:
    strategy = STRATEGIES[spec.get("strategy", "rolling")]
    percent = step_bake = None
    if strategy == "CANARY":
        canary = spec.get("canary") or {}
        percent = float(canary.get("percent", CANARY_PERCENT))
        step_bake = minutes(canary["bake"]) if "bake" in canary else CANARY_BAKE_MINUTES
    elif strategy == "LINEAR":
        linear = spec.get("linear") or {}
        percent = float(linear.get("percent", LINEAR_PERCENT))
        step_bake = minutes(linear["bake"]) if "bake" in linear else LINEAR_BAKE_MINUTES
    if "bake" in spec:
        bake: Optional[float] = minutes(spec["bake"])
    else:
        bake = BAKE_MINUTES if strategy != "ROLLING" else None
    return m.Deployment(
        min_healthy_percent=spec.get("min_healthy_percent", 100),
        max_percent=spec.get("max_percent", 200),
        rollback=spec.get("rollback", True),
        strategy=strategy,
        percent=percent,
        step_bake=step_bake,
        bake=bake,
        alarms=_alarms(spec.get("alarms", strategy != "ROLLING")),
        hooks=tuple(
            m.LifecycleHook(function=h["lambda"], stages=tuple(s.upper() for s in h["stages"]))
            for h in spec.get("hooks") or ()
        ),
        test_traffic=_test_traffic(spec.get("test_traffic")),
    )


def _alarms(spec: Any) -> Optional[m.DeploymentAlarms]:
    if spec is False:
        return None
    if spec is True:
        return m.DeploymentAlarms(True, ERRORS_PERCENT, LATENCY_P99_SECONDS, ())
    if isinstance(spec, list):       # existing alarms instead of the compiler's
        return m.DeploymentAlarms(False, ERRORS_PERCENT, LATENCY_P99_SECONDS, tuple(spec))
    return m.DeploymentAlarms(
        compiler=True,
        errors_percent=float(spec.get("errors_percent", ERRORS_PERCENT)),
        latency_p99=duration_seconds(spec["latency_p99"]) if "latency_p99" in spec else LATENCY_P99_SECONDS,
        names=tuple(spec.get("names", ())),
    )


def _test_traffic(spec: Optional[Mapping[str, Any]]) -> Optional[m.TestTraffic]:
    if not spec:
        return None
    header = spec.get("header")
    pair = next(iter(sorted(header.items()))) if header else None
    return m.TestTraffic(header=(pair[0], str(pair[1])) if pair else None, port=spec.get("port"))


def schedule(spec: Any) -> tuple[m.ScheduledCount, ...]:
    """count.schedule -> scheduled counts; an expression the checks refuse is kept as written."""
    found = []
    for item in spec or ():
        low, high = (int(x) for x in item["range"].split("-"))
        try:
            expression = to_aws(item["cron"])
        except ScheduleError:
            expression = item["cron"]
        found.append(m.ScheduledCount(expression, low, high, item.get("timezone", SCHEDULE_TIMEZONE)))
    return tuple(found)


def whole(value: Optional[float]) -> bool:
    return value is None or math.isclose(value, round(value))
