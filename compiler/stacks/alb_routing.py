"""The ALB's target groups and listener rules (part of alb.json): one target group per
routed service, and a listener rule for each but the default service's.
"""

from __future__ import annotations

from troposphere import Ref, Template
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.stacks.common import tags, wire_output

# A target group's Port is create-only, but with `ip` targets ECS registers every task
# with the container port and health checks use each target's own port ("traffic-port"),
# so the group's port is never used. A fixed value keeps a container-port change from
# replacing the group (a new, empty group would take the rule's traffic before any task
# registered in it).
TARGET_GROUP_PORT = 80


def _lb_key(service: m.Service, lb: m.LoadBalancer | None) -> str:
    """The logical-ID part naming the service's ALB: "" on the first one (today's IDs), its key
    on another. So a service that moves to another ALB gets a new target group and rule (a
    target group serves one load balancer; a rule's listener is create-only) instead of an
    update AWS would refuse (diff: hazard `moves-load-balancer`)."""
    return lb.key if lb is not None else ""


def target_group_id(service: m.Service, lb: m.LoadBalancer | None = None) -> str:
    return f"{service.key}{_lb_key(service, lb)}TargetGroup"


def listener_rule_id(service: m.Service, lb: m.LoadBalancer | None = None) -> str:
    return f"{service.key}{_lb_key(service, lb)}ListenerRule"


def output_name(lb: m.LoadBalancer, name: str) -> str:
    """The wiring output `name` of `lb` (AlbSecurityGroupId, LoadBalancerFullName, ...): the
    first ALB's as today, another's with its key in front (InternalAlbSecurityGroupId)."""
    return f"{lb.key}{name}"


def wired(lb: m.LoadBalancer, wire, name: str):
    """What a services stack reads of its service's ALB: `AlbSecurityGroupId` or
    `LoadBalancerFullName`, wired from alb.json, or the spec's literal for an existing ALB
    (its security_group; the full name from its ARN, app/<name>/<id>)."""
    if lb.existing is not None:
        return {"AlbSecurityGroupId": lb.existing.security_group,
                "LoadBalancerFullName": lb.existing.full_name}[name]
    return wire(output_name(lb, name))


def bool_attribute(value: bool) -> str:
    """A boolean as ELB's load balancer and target group attributes take it."""
    return "true" if value else "false"


def target_group(app: m.App, service: m.Service, vpc_id, lb: m.LoadBalancer | None = None) -> elb.TargetGroup:
    return _target_group(app, target_group_id(service, lb), service.http, service.http.version,
                         service.http.healthcheck, vpc_id, f"{app.stack_name}-{service.name}")


def _target_group(app: m.App, logical_id: str, http: m.Http, version: str, hc: m.HealthCheck, vpc_id,
                  name: str) -> elb.TargetGroup:
    attributes = {
        "deregistration_delay.timeout_seconds": str(http.deregistration_delay),
        "stickiness.enabled": bool_attribute(http.stickiness),
    }
    if http.stickiness:
        attributes["stickiness.type"] = "lb_cookie"
    protocol_version = {} if version == "HTTP1" else {"ProtocolVersion": version}
    matcher = (elb.Matcher(GrpcCode=hc.grpc_codes) if version == "GRPC"
               else elb.Matcher(HttpCode=hc.success_codes))
    return elb.TargetGroup(
        logical_id,
        TargetType="ip",
        Protocol=http.protocol,
        Port=TARGET_GROUP_PORT,
        VpcId=Ref(vpc_id),
        HealthCheckEnabled=True,
        HealthCheckProtocol=http.protocol,
        HealthCheckPath=hc.path,
        Matcher=matcher,
        HealthyThresholdCount=hc.healthy_threshold,
        UnhealthyThresholdCount=hc.unhealthy_threshold,
        HealthCheckIntervalSeconds=hc.interval,
        HealthCheckTimeoutSeconds=hc.timeout,
        TargetGroupAttributes=[
            elb.TargetGroupAttribute(Key=k, Value=v) for k, v in sorted(attributes.items())
        ],
        Tags=tags(app, name),
        **protocol_version,
    )


def listener_rule(
    app: m.App, service: m.Service, listener, tg: elb.TargetGroup, lb: m.LoadBalancer | None = None
) -> elb.ListenerRule:
    """`listener`: Ref to the listener of ours, or an existing listener's ARN."""
    return _listener_rule(app, listener_rule_id(service, lb), service.http, listener, tg)


def _listener_rule(app: m.App, logical_id: str, http, listener,
                   tg: elb.TargetGroup) -> elb.ListenerRule:
    """A rule of `http` (a model.Http or model.Route: paths, hosts, priority) forwarding to `tg`
    on `listener` (a Ref to a listener of ours, or an existing listener's ARN)."""
    conditions = []
    if http.paths:
        paths = elb.PathPatternConfig(Values=list(http.paths))
        conditions.append(elb.Condition(Field="path-pattern", PathPatternConfig=paths))
    if http.hosts:
        hosts = elb.HostHeaderConfig(Values=list(http.hosts))
        conditions.append(elb.Condition(Field="host-header", HostHeaderConfig=hosts))
    return elb.ListenerRule(
        logical_id,
        ListenerArn=listener,
        Priority=http.priority,
        Conditions=conditions + narrowing_conditions(http.conditions),
        Actions=[elb.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(tg))],
        Tags=tags(app),
        **transforms(http.conditions),
    )


def narrowing_conditions(c: m.Conditions) -> list[elb.Condition]:
    """The rule's conditions after path and host: one per header and per query key (all must
    match, any of one's values does), the methods, the source CIDRs."""
    found = [elb.Condition(Field="http-header", HttpHeaderConfig=elb.HttpHeaderConfig(
        HttpHeaderName=name, Values=list(values))) for name, values in c.headers]
    if c.methods:
        found.append(elb.Condition(Field="http-request-method", HttpRequestMethodConfig=elb.HttpRequestMethodConfig(
            Values=list(c.methods))))
    found += [elb.Condition(Field="query-string", QueryStringConfig=elb.QueryStringConfig(
        Values=[elb.QueryStringKeyValue(Key=key, Value=v) for v in values])) for key, values in c.query]
    if c.source_ips:
        found.append(elb.Condition(Field="source-ip", SourceIpConfig=elb.SourceIpConfig(Values=list(c.source_ips))))
    return found


def transforms(c: m.Conditions) -> dict:
    """`Transforms` of a rule ({} without a rewrite, so rules without one keep their bytes)."""
    found = []
    if c.host_rewrite is not None:
        found.append(elb.Transform(Type="host-header-rewrite", HostHeaderRewriteConfig=_rewrites(c.host_rewrite)))
    if c.url_rewrite is not None:
        found.append(elb.Transform(Type="url-rewrite", UrlRewriteConfig=_rewrites(c.url_rewrite)))
    return {"Transforms": found} if found else {}


def _rewrites(rewrite: m.Rewrite) -> elb.RewriteConfigObject:
    return elb.RewriteConfigObject(Rewrites=[elb.RewriteConfig(Regex=rewrite.regex, Replace=rewrite.replace)])


# --- http.additional_rules: a target group and a listener rule each --------------------------

def rule_prefix(service: m.Service, index: int, lb: m.LoadBalancer | None = None) -> str:
    """Logical-ID prefix of additional_rules[index] (1-based in the ID: <Key>Rule1...; on an ALB
    but the first, <Key><Lb>Rule1...). By position: inserting a rule before others renumbers
    (and so replaces) the ones after it."""
    return f"{service.key}{_lb_key(service, lb)}Rule{index + 1}"


def rule_target_group_output(service: m.Service, index: int) -> str:
    return f"{rule_prefix(service, index)}TargetGroupArn"


def additional_routes(app: m.App, t: Template, listener, vpc_id, lb: m.LoadBalancer) -> None:
    """The additional rules of every service `lb` routes to: target group, listener rule on
    `listener` (a Ref, or an existing listener's ARN), wired ARN."""
    for service in app.routed_by(lb):
        for i, route in enumerate(service.http.additional_rules):
            prefix = rule_prefix(service, i, lb)
            tg = t.add_resource(_target_group(app, f"{prefix}TargetGroup", service.http, route.version,
                                              route.healthcheck, vpc_id, f"{app.stack_name}-{service.name}-{i + 1}"))
            t.add_resource(_listener_rule(app, f"{prefix}ListenerRule", route, listener, tg))
            wire_output(t, rule_target_group_output(service, i), Ref(tg),
                        f"Target group ARN of {service.name} additional_rules[{i}]")
