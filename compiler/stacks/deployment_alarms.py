"""The CloudWatch alarms that fail and roll back a service's deployment (part of the
services stacks; DeploymentConfiguration.Alarms, see services_shift.py).

Behind the load balancer, over both target groups (a shifted service's new revision is
in whichever group is idle; a rolling service has one group), one-minute periods:

- DeployErrorsAlarm: 100 x HTTPCode_Target_5XX_Count / RequestCount above errors_percent
  (default 1 %) in 2 of 3 minutes, the worse group counting; minutes without requests
  count as 0 %;
- DeployUnhealthyAlarm: UnHealthyHostCount (maximum) of at least 1 for 2 minutes in a row;
- DeployLatencyAlarm: TargetResponseTime p99 above latency_p99 (default 2 s) in 2 of 3
  minutes.

A Service Connect service without a load balancer has the errors and latency alarms over
the metrics its Service Connect proxy publishes (AWS/ECS: RequestCount,
HTTPCode_Target_5XX_Count and TargetResponseTime by ClusterName, ServiceName and
DiscoveryName). Those alarms name the ECS service, so the service names them by their
(compiler-chosen) AlarmName rather than by Ref: a Ref would be a cycle.
Missing data is "not breaching": an idle service does not fail its deployments.
"""

from __future__ import annotations

from typing import Any, Callable

from troposphere import GetAtt, Ref, Template
from troposphere import cloudwatch as cw

from compiler import model as m
from compiler.state import naming
from compiler.stacks import alb_routing
from compiler.stacks import common
from compiler.stacks.services_network import connect_discovery_name

PERIOD = 60
ALARM_NAME_MAX = 255
ERRORS = "DeployErrorsAlarm"
UNHEALTHY = "DeployUnhealthyAlarm"
LATENCY = "DeployLatencyAlarm"


def alarm_name(app: m.App, svc: m.Service, what: str) -> str:
    return naming.shorten(f"{app.stack_name}-{svc.name}-deploy-{what}", ALARM_NAME_MAX)


def _stat(id_: str, metric: str, stat: str, namespace: str, dimensions: dict[str, Any]) -> cw.MetricDataQuery:
    return cw.MetricDataQuery(
        Id=id_,
        MetricStat=cw.MetricStat(
            Metric=cw.Metric(Namespace=namespace, MetricName=metric, Dimensions=[
                cw.MetricDimension(Name=k, Value=v) for k, v in dimensions.items()]),
            Period=PERIOD,
            Stat=stat,
        ),
        ReturnData=False,
    )


def _alarm(t: Template, app: m.App, svc: m.Service, suffix: str, what: str, text: str,
           queries: list[cw.MetricDataQuery], expression: str, threshold: float,
           operator: str, periods: int, datapoints: int) -> cw.Alarm:
    queries.append(cw.MetricDataQuery(Id="result", Expression=expression, Label=what, ReturnData=True))
    return t.add_resource(cw.Alarm(
        svc.key + suffix,
        AlarmName=alarm_name(app, svc, what),
        AlarmDescription=f"{svc.name}: {text}; fails and rolls back its deployment",
        Metrics=queries,
        ComparisonOperator=operator,
        Threshold=threshold,
        EvaluationPeriods=periods,
        DatapointsToAlarm=datapoints,
        TreatMissingData="notBreaching",
        Tags=common.tags(app),
    ))


def alarms(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service,
           service_id: str) -> list[Any]:
    """The compiler's alarms of `svc` (none unless its deployment watches them): what
    DeploymentConfiguration.Alarms.AlarmNames lists for them."""
    spec = svc.deployment.alarms
    if spec is None or not spec.compiler:
        return []
    if svc.http is not None:
        return [Ref(a) for a in _load_balancer_alarms(app, t, wire, svc, spec)]
    if svc.connect is not None:
        made = _connect_alarms(app, t, wire, svc, spec, service_id)
        return [a.properties["AlarmName"] for a in made]
    return []


def _load_balancer_alarms(app, t, wire, svc, spec: m.DeploymentAlarms) -> list[cw.Alarm]:
    lb = alb_routing.wired(app.alb_of(svc), wire, "LoadBalancerFullName")
    groups = [wire(f"{svc.key}TargetGroupFullName")]
    if svc.deployment.shifted:
        groups.append(wire(f"{svc.key}AlternateTargetGroupFullName"))
    ns = "AWS/ApplicationELB"

    def each(metric: str, stat: str, letter: str) -> list[cw.MetricDataQuery]:
        return [_stat(f"{letter}{i}", metric, stat, ns, {"LoadBalancer": lb, "TargetGroup": g})
                for i, g in enumerate(groups, 1)]

    n = range(1, len(groups) + 1)
    rates = ", ".join(f"100 * FILL(e{i}, 0) / FILL(r{i}, 1)" for i in n)
    errors = _alarm(
        t, app, svc, ERRORS, "5xx", f"target 5xx responses above {spec.errors_percent:g} % of requests",
        each("HTTPCode_Target_5XX_Count", "Sum", "e") + each("RequestCount", "Sum", "r"),
        f"MAX([{rates}])", spec.errors_percent, "GreaterThanThreshold", 3, 2)
    unhealthy = _alarm(
        t, app, svc, UNHEALTHY, "unhealthy", "unhealthy targets for 2 minutes",
        each("UnHealthyHostCount", "Maximum", "u"),
        "MAX([" + ", ".join(f"FILL(u{i}, 0)" for i in n) + "])", 1, "GreaterThanOrEqualToThreshold", 2, 2)
    latency = _alarm(
        t, app, svc, LATENCY, "p99", f"p99 response time above {spec.latency_p99:g} s",
        each("TargetResponseTime", "p99", "l"),
        "MAX([" + ", ".join(f"FILL(l{i}, 0)" for i in n) + "])", spec.latency_p99,
        "GreaterThanThreshold", 3, 2)
    return [errors, unhealthy, latency]


def _connect_alarms(app, t, wire, svc, spec: m.DeploymentAlarms, service_id: str) -> list[cw.Alarm]:
    dims = {"ClusterName": wire("ClusterName"), "ServiceName": GetAtt(service_id, "Name"),
            "DiscoveryName": connect_discovery_name(svc)}
    ns = "AWS/ECS"
    errors = _alarm(
        t, app, svc, ERRORS, "5xx", f"5xx responses above {spec.errors_percent:g} % of requests",
        [_stat("e1", "HTTPCode_Target_5XX_Count", "Sum", ns, dims), _stat("r1", "RequestCount", "Sum", ns, dims)],
        "100 * FILL(e1, 0) / FILL(r1, 1)", spec.errors_percent, "GreaterThanThreshold", 3, 2)
    latency = _alarm(
        t, app, svc, LATENCY, "p99", f"p99 response time above {spec.latency_p99:g} s",
        [_stat("l1", "TargetResponseTime", "p99", ns, dims)],
        "FILL(l1, 0)", spec.latency_p99 * 1000, "GreaterThanThreshold", 3, 2)
    return [errors, latency]
