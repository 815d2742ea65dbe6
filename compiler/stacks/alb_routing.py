"""The ALB's target groups and listener rules (part of alb.json): one target group per
routed service, and a listener rule for each but the default service's.
"""

from __future__ import annotations

from troposphere import Ref
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.stacks.common import tags

# A target group's Port is create-only, but with `ip` targets ECS registers every task
# with the container port and health checks use each target's own port ("traffic-port"),
# so the group's port is never used. A fixed value keeps a container-port change from
# replacing the group (a new, empty group would take the rule's traffic before any task
# registered in it).
TARGET_GROUP_PORT = 80


def target_group_id(service: m.Service) -> str:
    return f"{service.key}TargetGroup"


def listener_rule_id(service: m.Service) -> str:
    return f"{service.key}ListenerRule"


def bool_attribute(value: bool) -> str:
    """A boolean as ELB's load balancer and target group attributes take it."""
    return "true" if value else "false"


def target_group(app: m.App, service: m.Service, vpc_id) -> elb.TargetGroup:
    http = service.http
    hc = http.healthcheck
    attributes = {
        "deregistration_delay.timeout_seconds": str(http.deregistration_delay),
        "stickiness.enabled": bool_attribute(http.stickiness),
    }
    if http.stickiness:
        attributes["stickiness.type"] = "lb_cookie"
    return elb.TargetGroup(
        target_group_id(service),
        TargetType="ip",
        Protocol=http.protocol,
        Port=TARGET_GROUP_PORT,
        VpcId=Ref(vpc_id),
        HealthCheckEnabled=True,
        HealthCheckProtocol=http.protocol,
        HealthCheckPath=hc.path,
        Matcher=elb.Matcher(HttpCode=hc.success_codes),
        HealthyThresholdCount=hc.healthy_threshold,
        UnhealthyThresholdCount=hc.unhealthy_threshold,
        HealthCheckIntervalSeconds=hc.interval,
        HealthCheckTimeoutSeconds=hc.timeout,
        TargetGroupAttributes=[
            elb.TargetGroupAttribute(Key=k, Value=v) for k, v in sorted(attributes.items())
        ],
        Tags=tags(app, f"{app.stack_name}-{service.name}"),
    )


def listener_rule(
    app: m.App, service: m.Service, listener: elb.Listener, tg: elb.TargetGroup
) -> elb.ListenerRule:
    http = service.http
    conditions = []
    if http.paths:
        paths = elb.PathPatternConfig(Values=list(http.paths))
        conditions.append(elb.Condition(Field="path-pattern", PathPatternConfig=paths))
    if http.hosts:
        hosts = elb.HostHeaderConfig(Values=list(http.hosts))
        conditions.append(elb.Condition(Field="host-header", HostHeaderConfig=hosts))
    return elb.ListenerRule(
        listener_rule_id(service),
        ListenerArn=Ref(listener),
        Priority=http.priority,
        Conditions=conditions,
        Actions=[elb.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(tg))],
        Tags=tags(app),
    )
