"""FC225: shifted deployments: a route or Service Connect, ECS ranges, 33-hour limit, hooks, test traffic."""

# What a shifted deployment needs (a load balancer route or Service Connect), the ECS ranges
# of its steps and bake times, CloudFormation's limit on a deployment's length, alarms,
# lifecycle hooks and test traffic.

from __future__ import annotations

import math
import re

from compiler.checks._util import given, raw, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App, Service
from compiler.spec.normalize.deployment import whole
from compiler.state.priorities import LAST_PRIORITY

CODE = "FC225"

MAX_BAKE_MINUTES = 1440            # BakeTimeInMinutes and the canary/linear bake times
# CloudFormation refuses a canary or linear deployment whose computed length exceeds 33
# hours (its handler times out after 36): BakeTimeInMinutes + CanaryBakeTimeInMinutes, or
# BakeTimeInMinutes + StepBakeTimeInMinutes x steps (AWS::ECS::Service CanaryConfiguration
# and LinearConfiguration reference).
MAX_DEPLOYMENT_MINUTES = 33 * 60
MAX_CONDITION_VALUES = 5           # ALB: condition values per rule
TEST_STAGES = ("TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT")
LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$")


def linear_steps(percent: float) -> int:
    """The steps CloudFormation counts for a linear deployment (no bake after 100 %)."""
    shifts = 100 / percent
    return round(shifts) - 1 if math.isclose(shifts, round(shifts)) else math.floor(shifts)


def deployment_minutes(s: Service) -> float:
    """CloudFormation's computed length of a canary or linear deployment, minutes."""
    d = s.deployment
    bake = d.bake or 0
    if d.strategy == "CANARY":
        return bake + d.step_bake
    if d.strategy == "LINEAR":
        return bake + d.step_bake * linear_steps(d.percent)
    return bake


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for s in app.services:
        found += _service(app, s, data, locator)
    if not any(d.code == CODE for d in found):
        found += stack_resources(app, locator)
    return found


def _service(app: App, s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    d = s.deployment
    base = svc(s.name, "deployment")
    out = []

    def err(path: tuple, message: str, hint: str = "") -> None:
        out.append(locator.error(CODE, (*base, *path), message, hint))

    routed = app.alb_of(s) is not None
    if d.shifted and not routed and s.connect is None:
        err(("strategy",), f"a {raw(data, *base, 'strategy')} deployment shifts traffic between two "
            "revisions, and this service takes none: it has neither http (behind the load balancer) "
            "nor connect (Service Connect)", "use strategy: rolling, or give the service http or connect")
    if d.shifted and routed and s.http.is_default:
        last = {LAST_PRIORITY, LAST_PRIORITY - 1}
        for o in app.routed_by(app.alb_of(s)):
            if o.http.priority in last and not o.http.assigned:
                out.append(locator.error(
                    CODE, svc(o.name, "http", "priority"),
                    f"priority {o.http.priority} belongs to the production and test rules of {s.name}, "
                    f"the {d.strategy.lower()} service on /", "choose a priority below 49999"))
    if d.shifted and s.scaling is not None and s.scaling.requests is not None:
        out.append(locator.error(
            CODE, svc(s.name, "count", "requests"),
            "request-count scaling tracks one target group, and a blue_green, canary or linear "
            "deployment moves the traffic to the other: after it the service would scale in to its minimum",
            "scale on cpu_percentage or memory_percentage, or use strategy: rolling"))
    for block in ("canary", "linear"):
        if given(data, *base, block) and d.strategy != block.upper():
            err((block,), f"{block} settings apply to strategy: {block}, and this service's strategy is "
                f"{raw(data, *base, 'strategy', default='rolling')}")
    if d.percent is not None and not math.isclose(d.percent * 10, round(d.percent * 10)):
        block = d.strategy.lower()
        err((block, "percent"), f"{d.percent:g} is not a multiple of 0.1 (ECS takes 0.1 % steps)")
    for path, value in ((("bake",), d.bake), ((d.strategy.lower(), "bake"), d.step_bake)):
        if value is None or not given(data, *base, *path):
            continue
        if not whole(value):
            err(path, f"{value * 60:g}s is not a whole number of minutes (ECS counts bake times in minutes)")
        elif value > MAX_BAKE_MINUTES:
            err(path, f"{value:g} minutes is over ECS's 24 hours (1440 minutes)")
    if d.strategy in ("CANARY", "LINEAR") and d.step_bake is not None and d.bake is not None:
        total = deployment_minutes(s)
        if total > MAX_DEPLOYMENT_MINUTES and d.step_bake <= MAX_BAKE_MINUTES and d.bake <= MAX_BAKE_MINUTES:
            err((d.strategy.lower(),), f"this {d.strategy.lower()} deployment lasts {total:g} minutes by "
                "CloudFormation's count (bake plus the bake of each step), over its limit of 33 hours "
                f"({MAX_DEPLOYMENT_MINUTES} minutes)", "shorten the bake times or take bigger steps")

    alarms = d.alarms
    if alarms is not None and alarms.compiler and not routed and s.connect is None and given(data, *base, "alarms"):
        err(("alarms",), "the compiler's alarms watch the service's requests, and this service takes none "
            "(no http, no connect)", "name existing alarms instead: alarms: [NAME, ...]")
    names = alarms.names if alarms is not None else ()
    if len(set(names)) != len(names):
        err(("alarms",), "an alarm is named twice")

    if d.hooks and not d.shifted:
        err(("hooks",), "lifecycle hooks run in blue_green, canary and linear deployments; this "
            "service's is rolling", "set strategy, or remove hooks")
    for i, h in enumerate(d.hooks):
        if not LAMBDA_ARN.match(h.function):
            err(("hooks", i, "lambda"), f"'{h.function}' is not a Lambda function ARN",
                "write arn:aws:lambda:REGION:ACCOUNT:function:NAME (or :NAME:ALIAS)")
        if d.test_traffic is None and any(st in TEST_STAGES for st in h.stages):
            err(("hooks", i, "stages"), "test traffic stages need test_traffic (a header or a port); "
                "without it ECS never shifts test traffic")

    test = d.test_traffic
    if test is not None:
        if not d.shifted:
            err(("test_traffic",), "test traffic reaches the new revision of a blue_green, canary or "
                "linear deployment; this service's is rolling")
        elif test.port is not None and not routed:
            err(("test_traffic", "port"), "a test port is a listener of the load balancer, and this "
                "service has no http", "use test_traffic: {header: {NAME: VALUE}}")
        elif test.port is not None and routed and test.port in app.alb_of(s).listener_ports:
            err(("test_traffic", "port"), f"port {test.port} is a production listener of the load balancer",
                "pick another port, such as 8443")
        elif test.header is not None and routed:
            out += _header_rule(app, s, data, locator)
    return out


def _header_rule(app: App, s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    """The header test rule: one priority before the production rule, one condition value more."""
    path = svc(s.name, "deployment", "test_traffic", "header")
    http = s.http
    out = []
    values = len(http.paths or ("/*",)) + len(http.hosts) + 1
    if values > MAX_CONDITION_VALUES:
        out.append(locator.error(CODE, path, f"the test rule would have {values} condition values "
                                 f"(paths, hosts and the header), over the ALB's {MAX_CONDITION_VALUES}"))
    if not http.is_default and http.priority is not None and not http.assigned:
        below = http.priority - 1
        other = next((o.name for o in app.routed_services if o is not s and o.http.priority == below), None)
        if below < 1 or other is not None:
            taken = "there is none" if below < 1 else f"{other}'s rule has {below}"
            out.append(locator.error(
                CODE, path, f"the test rule takes the priority before the service's ({http.priority}), "
                f"and {taken}", "choose another priority for this service"))
    return out


MAX_RESOURCES = 500                # CloudFormation: resources per template
ROLLING_RESOURCES = 16             # the most a rolling service adds (services.py: SERVICES_PER_STACK)
SHIFT_RESOURCES = 5                # at most, on top: three alarms and two roles


def stack_resources(app: App, locator: Locator) -> list[Diagnostic]:
    """Services stacks over CloudFormation's 500 resources. SERVICES_PER_STACK is proven for
    rolling services; a shifted service adds its alarms and the roles ECS assumes (up to
    five resources), so thirty of them can pass the limit. Only a group that could is built
    (troposphere refuses the 501st resource), before the pipeline builds anything."""
    from compiler.stacks import services as services_stack   # stacks < checks

    found = []
    for stem, members in services_stack.groups(app):
        if len(members) * (ROLLING_RESOURCES + SHIFT_RESOURCES) <= MAX_RESOURCES or not any(
                s.deployment.shifted or s.deployment.alarms for s in members):
            continue
        try:
            services_stack.build_group(app, stem, members)
        except ValueError as e:
            if "Maximum number of resources" not in str(e):
                raise
            last = members[-1]
            found.append(locator.error(
                CODE, svc(last.name),
                f"the {stem} stack (services {members[0].name} to {last.name}) would hold more than "
                f"{MAX_RESOURCES} resources, CloudFormation's limit: blue/green, canary and linear "
                "services add alarms and roles", hint="pin some of them to another stack with stack: NAME",
                key=True))
    return found


def alb_extra(app: App) -> tuple[int, int]:
    """(outputs, resources) alb.json holds for the shifted services and the alarms (FC222):
    alb_shift.outputs() and alb_shift.test_rules()."""
    outputs = resources = 0
    ports = set()
    for s in app.routed_services:
        d = s.deployment
        request_scaling = s.scaling is not None and s.scaling.requests is not None
        compiler_alarms = d.alarms is not None and d.alarms.compiler
        outputs += int(compiler_alarms and not request_scaling)
        if not d.shifted:
            continue
        outputs += 2 + int(compiler_alarms) + int(d.test_traffic is not None)
        resources += 1 + int(d.test_traffic is not None)
        if d.test_traffic is not None and d.test_traffic.port is not None and d.test_traffic.port not in ports:
            ports.add(d.test_traffic.port)
            resources += 1 + len(app.alb_of(s).allowed_cidrs)
    return outputs, resources
