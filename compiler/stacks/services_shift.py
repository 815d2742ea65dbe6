"""A service's deployment: the strategy and its steps, the alarms that roll it back, the
lifecycle hooks, and for a shifted service behind the load balancer the
AdvancedConfiguration ECS shifts traffic with (alternate group, production and test
rules) and the roles ECS assumes. Part of the services stacks (services.py).

Roles (only for the services that need them), trusted by ecs.amazonaws.com for this
account and this cluster's services only (aws:SourceAccount, aws:SourceArn):

- <Key>EcsLoadBalancersRole: what AmazonECSInfrastructureRolePolicyForLoadBalancers grants
  for an ALB, scoped to this service's groups and rules: the Describe calls (which take
  no resource), RegisterTargets/DeregisterTargets on its two groups, ModifyRule on its
  production (and test) rule;
- <Key>EcsHooksRole: lambda:InvokeFunction on the hooks' functions only.
"""

from __future__ import annotations

from typing import Any, Callable

from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AccountId, Sub, Template
from troposphere import ecs, iam

from compiler import model as m
from compiler.stacks import common, deployment_alarms
from compiler.stacks.iam import _allow

ECS = "ecs.amazonaws.com"
LOAD_BALANCERS_ROLE = "EcsLoadBalancersRole"
HOOKS_ROLE = "EcsHooksRole"

ELB_DESCRIBE = (
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
)
ELB_TARGETS = ("elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets")
ELB_RULES = ("elasticloadbalancing:ModifyRule",)
LAMBDA_INVOKE = ("lambda:InvokeFunction",)


def ecs_trust(wire: Callable[..., Any]) -> PolicyDocument:
    """ECS, for the services of this app's cluster in this account only (confused deputy)."""
    return PolicyDocument(Version="2012-10-17", Statement=[Statement(
        Effect=Allow,
        Principal=Principal("Service", [ECS]),
        Action=[AssumeRole],
        Condition=Condition([
            StringEquals("aws:SourceAccount", AccountId),
            ArnLike("aws:SourceArn", Sub(
                "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/${Cluster}/*",
                Cluster=wire("ClusterName"))),
        ]),
    )])


def load_balancer(svc: m.Service, wire: Callable[..., Any], role: Any) -> ecs.LoadBalancer:
    props: dict[str, Any] = {}
    if role is not None:
        advanced = {
            "AlternateTargetGroupArn": wire(f"{svc.key}AlternateTargetGroupArn"),
            "ProductionListenerRule": wire(f"{svc.key}ProductionListenerRuleArn"),
            "RoleArn": role.GetAtt("Arn"),
        }
        if svc.deployment.test_traffic is not None:
            advanced["TestListenerRule"] = wire(f"{svc.key}TestListenerRuleArn")
        props["AdvancedConfiguration"] = ecs.AdvancedConfiguration(**advanced)
    return ecs.LoadBalancer(
        ContainerName=svc.http.target_container,
        ContainerPort=svc.http.target_port,
        TargetGroupArn=wire(f"{svc.key}TargetGroupArn"),
        **props,
    )


def load_balancers_role(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service) -> Any:
    """The role ECS shifts this service's ALB traffic with, or None (rolling, or not routed)."""
    if not (svc.deployment.shifted and svc.http is not None):
        return None
    key = svc.key
    groups = [wire(f"{key}TargetGroupArn"), wire(f"{key}AlternateTargetGroupArn")]
    rules = [wire(f"{key}ProductionListenerRuleArn")]
    if svc.deployment.test_traffic is not None:
        rules.append(wire(f"{key}TestListenerRuleArn"))
    return t.add_resource(iam.Role(
        key + LOAD_BALANCERS_ROLE,
        Description=f"ECS shifts the load balancer traffic of {svc.name} between its target groups",
        Tags=common.tags(app),
        AssumeRolePolicyDocument=ecs_trust(wire),
        Policies=[iam.Policy(PolicyName="shift-traffic", PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                _allow("Describe", ELB_DESCRIBE, ["*"]),
                _allow("TargetGroups", ELB_TARGETS, groups),
                _allow("ListenerRules", ELB_RULES, rules),
            ],
        ))],
    ))


def _hooks(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service) -> list[ecs.DeploymentLifecycleHook]:
    hooks = svc.deployment.hooks
    if not hooks:
        return []
    functions = sorted({h.function for h in hooks})
    role = t.add_resource(iam.Role(
        svc.key + HOOKS_ROLE,
        Description=f"ECS invokes the deployment lifecycle hooks of {svc.name}",
        Tags=common.tags(app),
        AssumeRolePolicyDocument=ecs_trust(wire),
        Policies=[iam.Policy(PolicyName="invoke-hooks", PolicyDocument=PolicyDocument(
            Version="2012-10-17", Statement=[_allow("InvokeHooks", LAMBDA_INVOKE, functions)]))],
    ))
    return [ecs.DeploymentLifecycleHook(
        HookTargetArn=h.function,
        LifecycleStages=list(h.stages),
        RoleArn=role.GetAtt("Arn"),
    ) for h in hooks]


def deployment_configuration(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service,
                             service_id: str) -> ecs.DeploymentConfiguration:
    d = svc.deployment
    props: dict[str, Any] = {
        "MinimumHealthyPercent": d.min_healthy_percent,
        "MaximumPercent": d.max_percent,
        # Kept under every strategy: ECS stops a deployment whose tasks keep failing to start.
        "DeploymentCircuitBreaker": ecs.DeploymentCircuitBreaker(Enable=True, Rollback=d.rollback),
    }
    if d.shifted:
        props["Strategy"] = d.strategy
    if d.bake is not None:
        props["BakeTimeInMinutes"] = round(d.bake)
    if d.strategy == "CANARY":
        props["CanaryConfiguration"] = ecs.CanaryConfiguration(
            CanaryPercent=d.percent, CanaryBakeTimeInMinutes=round(d.step_bake))
    elif d.strategy == "LINEAR":
        props["LinearConfiguration"] = ecs.LinearConfiguration(
            StepPercent=d.percent, StepBakeTimeInMinutes=round(d.step_bake))
    if d.alarms is not None:
        names = deployment_alarms.alarms(app, t, wire, svc, service_id) + list(d.alarms.names)
        if names:
            props["Alarms"] = ecs.DeploymentAlarms(AlarmNames=names, Enable=True, Rollback=True)
    hooks = _hooks(app, t, wire, svc)
    if hooks:
        props["LifecycleHooks"] = hooks
    return ecs.DeploymentConfiguration(**props)

