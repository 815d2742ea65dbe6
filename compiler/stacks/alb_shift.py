"""What a shifted service (deployment strategy blue_green, canary or linear) needs on the
ALB (part of alb.json): the alternate target group, the production listener rule ECS
shifts traffic on, and the optional test listener rule.

Who owns the production rule's weights (docs/decisions.md): ECS does. During a
deployment it calls ModifyRule on the production rule and rewrites its forward action
as weighted target groups (primary/alternate 0/100 after the first deployment, then
swung on every one). The template therefore writes the action in the same shape ECS
keeps (ForwardConfig over both groups) and CloudFormation calls ModifyRule only when the
rule's template properties change, which a service update (image, size, variables...)
never does. A change to the rule itself (its route, its priority, the groups) would
rewrite the weights as written here (100 to the primary) and can send production
traffic to the idle group: `diff` flags it (compiler/diff/hazards/shifted_routes.py).

Every shifted service gets a rule of its own, the default (`/`) service too: a rule on
`/*` at the last priority (LAST_PRIORITY), behind every other rule; the listener's
default action is unchanged (it is never reached). A test rule on a header sits one
priority before its production rule (placement.py keeps that priority free) with the
production rule's conditions plus the header; a test port gets a listener of its own
(HTTP, or HTTPS with the serving listener's certificate when the load balancer has
HTTPS) whose rules repeat the production rules' conditions and priorities.
"""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Ref, Template
from troposphere import ec2
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.stacks import alb_routing
from compiler.stacks.common import tags, wire_output
from compiler.state.priorities import LAST_PRIORITY

DEFAULT_PATHS = ("/*",)


def alternate_target_group_id(service: m.Service, lb: m.LoadBalancer | None = None) -> str:
    return f"{service.key}{lb.key if lb else ''}AlternateTargetGroup"


def test_rule_id(service: m.Service, lb: m.LoadBalancer | None = None) -> str:
    return f"{service.key}{lb.key if lb else ''}TestListenerRule"


def test_listener_id(port: int, lb: m.LoadBalancer | None = None) -> str:
    return f"{lb.key if lb else ''}TestListener{port}"


def test_ingress_id(port: int, index: int, lb: m.LoadBalancer | None = None) -> str:
    return f"{test_listener_id(port, lb)}Ingress{index}"


def shifted(app: m.App) -> tuple[m.Service, ...]:
    return tuple(s for s in app.routed_services if s.deployment.shifted)


def production_priority(service: m.Service) -> int:
    return LAST_PRIORITY if service.http.is_default else service.http.priority


def alternate_target_group(app: m.App, service: m.Service, vpc_id, lb: m.LoadBalancer) -> elb.TargetGroup:
    """The second group, the same as the first (ECS registers the new revision in it)."""
    primary = alb_routing.target_group(app, service, vpc_id, lb)
    return elb.TargetGroup(alternate_target_group_id(service, lb), **primary.properties)


def _conditions(service: m.Service) -> list[elb.Condition]:
    http = service.http
    conditions = [elb.Condition(Field="path-pattern", PathPatternConfig=elb.PathPatternConfig(
        Values=list(http.paths or DEFAULT_PATHS)))]
    if http.hosts:
        conditions.append(elb.Condition(Field="host-header", HostHeaderConfig=elb.HostHeaderConfig(
            Values=list(http.hosts))))
    return conditions + alb_routing.narrowing_conditions(http.conditions)


def _forward(primary: elb.TargetGroup, alternate: elb.TargetGroup) -> elb.ListenerRuleAction:
    """Weighted forward over both groups: the shape ECS keeps the rule in."""
    return elb.ListenerRuleAction(Type="forward", ForwardConfig=elb.ForwardConfig(TargetGroups=[
        elb.TargetGroupTuple(TargetGroupArn=Ref(primary), Weight=100),
        elb.TargetGroupTuple(TargetGroupArn=Ref(alternate), Weight=0),
    ]))


def production_rule(app: m.App, service: m.Service, listener: elb.Listener,
                    primary: elb.TargetGroup, alternate: elb.TargetGroup, lb: m.LoadBalancer) -> elb.ListenerRule:
    return elb.ListenerRule(
        alb_routing.listener_rule_id(service, lb),
        ListenerArn=Ref(listener),
        Priority=production_priority(service),
        Conditions=_conditions(service),
        Actions=[_forward(primary, alternate)],
        Tags=tags(app),
        **alb_routing.transforms(service.http.conditions),
    )


def test_rules(app: m.App, t: Template, lb: Any, serving: elb.Listener, sg: Any,
               certificate: Any, target_groups: dict[str, Any],
               alternates: dict[str, Any], lb_spec: m.LoadBalancer) -> dict[str, elb.ListenerRule]:
    """Service name -> its test listener rule, for the shifted services on `lb_spec` that ask
    for one."""
    listeners: dict[int, elb.Listener] = {}
    rules = {}
    for service in (s for s in shifted(app) if s.http.load_balancer == lb_spec.name):
        test = service.deployment.test_traffic
        if test is None:
            continue
        conditions = _conditions(service)
        if test.header is not None:
            name, value = test.header
            conditions.append(elb.Condition(Field="http-header", HttpHeaderConfig=elb.HttpHeaderConfig(
                HttpHeaderName=name, Values=[value])))
            listener, priority = serving, production_priority(service) - 1
        else:
            if test.port not in listeners:
                listeners[test.port] = _test_listener(app, t, lb, sg, certificate, test.port, lb_spec)
            listener, priority = listeners[test.port], production_priority(service)
        rules[service.name] = t.add_resource(elb.ListenerRule(
            test_rule_id(service, lb_spec),
            ListenerArn=Ref(listener),
            Priority=priority,
            Conditions=conditions,
            Actions=[_forward(target_groups[service.name], alternates[service.name])],
            Tags=tags(app),
            **alb_routing.transforms(service.http.conditions),
        ))
    return rules


def _test_listener(app: m.App, t: Template, lb: Any, sg: Any, certificate: Any,
                   port: int, lb_spec: m.LoadBalancer) -> elb.Listener:
    props: dict[str, Any] = {"Protocol": "HTTP"}
    if lb_spec.https is not None:
        props = {"Protocol": "HTTPS", "SslPolicy": lb_spec.https.ssl_policy,
                 "Certificates": [elb.Certificate(CertificateArn=certificate)]}
    for i, cidr in enumerate(lb_spec.allowed_cidrs):
        t.add_resource(ec2.SecurityGroupIngress(
            test_ingress_id(port, i, lb_spec),
            GroupId=GetAtt(sg, "GroupId"),
            IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp=cidr,
            Description=f"Test traffic listener from {cidr}",
        ))
    return t.add_resource(elb.Listener(
        test_listener_id(port, lb_spec),
        LoadBalancerArn=Ref(lb),
        Port=port,
        DefaultActions=[elb.Action(Type="fixed-response", FixedResponseConfig=elb.FixedResponseConfig(
            StatusCode="404", ContentType="text/plain", MessageBody="Not Found"))],
        Tags=tags(app),
        **props,
    ))


def outputs(t: Template, service: m.Service, primary: Any, alternate: Any, test_rule: Any,
            lb: m.LoadBalancer) -> None:
    """What the services stack reads: the groups (ARNs for the ECS service and its role, full
    names for the alarms) and the rules (ARNs). Nothing for a rolling service but what
    alb.py already outputs."""
    key = service.key
    alarms = service.deployment.alarms
    request_scaling = service.scaling is not None and service.scaling.requests is not None
    if alarms is not None and alarms.compiler and not request_scaling:   # else alb.py outputs it
        wire_output(t, f"{key}TargetGroupFullName", GetAtt(primary, "TargetGroupFullName"),
                    f"Target group full name of {service.name}")
    if alternate is None:
        return
    wire_output(t, f"{key}AlternateTargetGroupArn", Ref(alternate),
                f"Alternate target group ARN of {service.name}")
    wire_output(t, f"{key}ProductionListenerRuleArn",
                Ref(alb_routing.listener_rule_id(service, lb)), f"Production listener rule of {service.name}")
    if alarms is not None and alarms.compiler:
        wire_output(t, f"{key}AlternateTargetGroupFullName", GetAtt(alternate, "TargetGroupFullName"),
                    f"Alternate target group full name of {service.name}")
    if test_rule is not None:
        wire_output(t, f"{key}TestListenerRuleArn", Ref(test_rule), f"Test listener rule of {service.name}")
