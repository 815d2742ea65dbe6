"""services.json (and services-2.json, services-NAME.json, ...): the ECS cluster and the services.

Grouping (a stable split under CloudFormation's per-stack limits of 500 resources,
200 parameters, 200 outputs and 1 MB) is decided by placement.py, which keeps every
service in the stack it was in (the lock file):

- Services without `stack:` go to "services", "services-2", "services-3", ...: a
  new one to the first holding fewer than SERVICES_PER_STACK; on a first compile that
  is spec order (positions 1-30 -> "services", 31-60 -> "services-2", ...). Adding,
  removing or renaming a service moves no other.
- A service with `stack: NAME` goes to "services-NAME"; these groups follow the
  numbered ones, sorted by NAME. (Stack names start with a letter, so they never
  collide with the numbered stems.)
- "services" always exists, even with no service of its own: it holds the
  cluster, the Cloud Map namespace (when any service uses connect or discovery)
  and the ServicesSecurityGroup every task wears. It outputs ClusterName,
  ClusterArn, NamespaceId, NamespaceArn and ServicesSecurityGroupId; the other
  groups take what they use of these as wired Parameters of the same names.

SERVICES_PER_STACK = 30 is proven safe by a test building 30 worst-case services
(http, request scaling, connect, discovery, sidecars, secrets, exec, spot, EFS): 16
resources (483 in the stack) and at most 2 parameters per service, no per-service output.

Per service (logical IDs start with the service's key: its PascalCase name, or the
name it had before a rename that kept its Service Connect alias, see placement.py): a log group,
an execution role and a separate task role (policies from compiler/stacks/iam.py), the
task definition, the task security group (tasks.py) and its ingress rules (resources of
their own, see services_network.py), the ECS service, and when asked a Cloud Map service
(services_network.py) and Application Auto Scaling target with target-tracking policies
(services_scaling.py); its deployment strategy, alarms, hooks and the roles ECS assumes
for them (services_shift.py). This module builds the stacks, the shared resources of the first
and the ECS service itself. A template declares only the wired Parameters it uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troposphere import GetAtt, Ref, Template
from troposphere import ec2, ecs, servicediscovery

from compiler import model as m
from compiler.state import naming
from compiler.state.placement import FIRST_STACK, SERVICES_PER_STACK, stem  # noqa: F401 (re-exported)
from compiler.stacks import common, copilot_env, messaging, services_network, services_scaling, services_shift
from compiler.stacks.alb_routing import rule_target_group_output
from compiler.stacks.nlb import target_group_output as nlb_target_group_output
from compiler.stacks.tasks import task_resources

# The ECS service's logical ID suffix (see tasks.py for the others).
ECS_SERVICE = "EcsService"


def groups(app: m.App) -> list[tuple[str, tuple[m.Service, ...]]]:
    """(stem, services in spec order): "services" first (always), the other numbered
    stacks in number order, then the pinned ones by name; only stacks with services."""
    numbered = sorted({s.group for s in app.services if s.stack is None} | {FIRST_STACK},
                      key=lambda g: 0 if g == FIRST_STACK else int(g.rsplit("-", 1)[1]))
    pinned = sorted({s.group for s in app.services if s.stack is not None})
    return [(g, tuple(s for s in app.services if s.group == g)) for g in numbered + pinned]


def build(app: m.App) -> list[tuple[str, Template]]:
    return [
        (name, _build_group(app, name, services, first=(i == 0)))
        for i, (name, services) in enumerate(groups(app))
    ]


@dataclass
class _Wiring:
    """Values from outside a service's own resources: wired Parameters, declared on
    first use, or (in the first stack) the shared resources themselves."""

    t: Template
    local: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def __call__(self, name: str, type_: str = "String") -> Any:
        if name in self.local:
            return self.local[name]
        if name not in self.params:
            self.params[name] = Ref(common.wire_param(self.t, name, type_))
        return self.params[name]


def _build_group(app: m.App, name: str, services: tuple[m.Service, ...], first: bool) -> Template:
    what = "ECS cluster and services" if first else f"services group {name}"
    t = common.new_template(app, what)
    wire = _Wiring(t)
    if first:
        _shared(app, t, wire)
    peers = {s.name: s.key for s in services}
    for service in services:
        _service(app, t, wire, service, peers)
    return t


def build_group(app: m.App, name: str, services: tuple[m.Service, ...]) -> Template:
    """One services stack, as build() makes it (checks/deployment_strategy.py counts it)."""
    return _build_group(app, name, services, first=(name == FIRST_STACK))


def service_stems(app: m.App) -> dict[str, str]:
    """Service name -> the file stem of the services stack it is built in."""
    return {s.name: stem_ for stem_, group in groups(app) for s in group}


def ecs_service_id(key: str) -> str:
    """The ECS service's logical ID, from the service's key (placement.py)."""
    return key + ECS_SERVICE


def _shared(app: m.App, t: Template, wire: _Wiring) -> None:
    """The first stack's cluster, namespace and shared task security group, and their outputs."""
    cluster = t.add_resource(ecs.Cluster(
        "Cluster",
        ClusterName=naming.cluster_name(app.app, app.environment),
        ClusterSettings=[ecs.ClusterSetting(Name="containerInsights", Value="enabled")],
        CapacityProviders=["FARGATE", "FARGATE_SPOT"],
        DefaultCapacityProviderStrategy=[
            ecs.CapacityProviderStrategyItem(CapacityProvider="FARGATE", Weight=1),
        ],
        Tags=common.tags(app),
    ))
    wire.local["ClusterName"] = Ref(cluster)
    common.wire_output(t, "ClusterName", Ref(cluster), "ECS cluster name")
    common.wire_output(t, "ClusterArn", GetAtt(cluster, "Arn"), "ECS cluster ARN")

    if app.uses_namespace:
        namespace = t.add_resource(servicediscovery.PrivateDnsNamespace(
            "Namespace",
            Name=app.namespace,
            Vpc=wire("VpcId"),
            Description=f"Service discovery for {app.stack_name}",
            Tags=common.tags(app),
            **common.retain(app),
        ))
        wire.local["NamespaceId"] = GetAtt(namespace, "Id")
        wire.local["NamespaceArn"] = GetAtt(namespace, "Arn")
        common.wire_output(t, "NamespaceId", GetAtt(namespace, "Id"), "Cloud Map namespace ID")
        common.wire_output(t, "NamespaceArn", GetAtt(namespace, "Arn"), "Cloud Map namespace ARN")

    if app.services or app.jobs:   # jobs wear it too (an app of jobs only keeps it here)
        shared_sg = t.add_resource(ec2.SecurityGroup(
            "ServicesSecurityGroup",
            GroupDescription=f"Worn by every task of {app.stack_name}; the source of service-to-service rules",
            VpcId=wire("VpcId"),
            # No ingress of its own. Without an egress rule EC2 would allow all
            # outbound; this rule (the one the CDK uses) matches no traffic, so each
            # task's egress is exactly its own security group's.
            SecurityGroupEgress=[ec2.SecurityGroupRule(
                IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32",
                Description="Disallow all traffic",
            )],
            Tags=common.tags(app, f"{app.stack_name}-services"),
        ))
        wire.local["ServicesSecurityGroupId"] = GetAtt(shared_sg, "GroupId")
        common.wire_output(t, "ServicesSecurityGroupId", GetAtt(shared_sg, "GroupId"),
                           "Security group every task wears")


def _service(app: m.App, t: Template, wire: _Wiring, svc: m.Service, peers: dict[str, str]) -> None:
    pid = svc.key
    svc_tags = common.tags(app, f"{app.stack_name}-{svc.name}", **{"fargate-compile:service": svc.name})
    env, statements = messaging.service_wiring(svc, wire)
    env.update(copilot_env.variables(app, svc, env, wire))
    task = task_resources(app, t, wire, svc, svc_tags, env, statements)
    task_definition, task_sg, nfs_rule = task.task_definition, task.security_group, task.nfs_rule
    ingress = services_network.ingress(app, t, svc, wire, task_sg)
    if svc.nlb:
        ingress += services_network.nlb_ingress(t, svc, wire, task_sg)

    service_props: dict[str, Any] = {}
    # The first tasks must be reachable, and mount the file system: the doors are open
    # before they start (and, on a port change, the new port's before the new tasks).
    depends_on = ingress + ([nfs_rule] if nfs_rule else [])
    if svc.spot:
        service_props["CapacityProviderStrategy"] = [
            ecs.CapacityProviderStrategyItem(CapacityProvider="FARGATE_SPOT", Weight=1),
        ]
    else:
        service_props["LaunchType"] = "FARGATE"
    if svc.http:
        role = services_shift.load_balancers_role(app, t, wire, svc)
        service_props["LoadBalancers"] = [services_shift.load_balancer(svc, wire, role)] + [ecs.LoadBalancer(
            ContainerName=route.target_container,
            ContainerPort=route.target_port,
            TargetGroupArn=wire(rule_target_group_output(svc, i)),
        ) for i, route in enumerate(svc.http.additional_rules)]
        service_props["HealthCheckGracePeriodSeconds"] = svc.http.healthcheck.grace_period
    if svc.nlb:
        service_props.setdefault("LoadBalancers", []).append(ecs.LoadBalancer(
            ContainerName=svc.name,
            ContainerPort=svc.nlb.target_port,
            TargetGroupArn=wire(nlb_target_group_output(svc)),
        ))
        service_props.setdefault("HealthCheckGracePeriodSeconds", svc.nlb.healthcheck.grace_period)
    if app.uses_connect:
        service_props["ServiceConnectConfiguration"] = services_network.service_connect(svc, wire)
    if svc.discovery:
        discovery = services_network.discovery_service(t, wire, svc, svc_tags)
        service_props["ServiceRegistries"] = [ecs.ServiceRegistry(RegistryArn=GetAtt(discovery, "Arn"))]

    # depends_on: servers in this stack first (servers in other stacks: the root orders the
    # stacks). DependsOn only orders creation; adding or removing it replaces nothing.
    depends_on += sorted(ecs_service_id(peers[d]) for d in svc.depends_on if d in peers)
    if depends_on:
        service_props["DependsOn"] = depends_on

    if svc.scaling is None:
        # Autoscaled: no DesiredCount, or every stack update would reset the scaled count
        # (W9003). A new service then starts with 1 task and the ScalableTarget moves it
        # into MinCapacity..MaxCapacity; an update leaves the running count alone.
        service_props["DesiredCount"] = svc.desired_count
    placement_public = svc.placement == "public"
    subnets = wire("PublicSubnetIds" if placement_public else "PrivateSubnetIds", common.SUBNET_LIST)
    service = t.add_resource(ecs.Service(
        pid + ECS_SERVICE,
        Cluster=wire("ClusterName"),
        TaskDefinition=Ref(task_definition),
        PlatformVersion="LATEST",
        NetworkConfiguration=ecs.NetworkConfiguration(AwsvpcConfiguration=ecs.AwsvpcConfiguration(
            Subnets=subnets,
            AssignPublicIp="ENABLED" if placement_public else "DISABLED",
            SecurityGroups=[GetAtt(task_sg, "GroupId"), wire("ServicesSecurityGroupId")]
            + ([wire("TasksSecurityGroupId")] if app.network.existing is not None else []),
        )),
        DeploymentConfiguration=services_shift.deployment_configuration(app, t, wire, svc, pid + ECS_SERVICE),
        EnableExecuteCommand=svc.exec,
        EnableECSManagedTags=True,
        PropagateTags="SERVICE",
        # Explicit, as every property whose default differs between create and update: absent,
        # a create turns it ENABLED and an update keeps the service's value (DISABLED for a
        # service made before the property existed). ENABLED is what a fresh create gives.
        AvailabilityZoneRebalancing="ENABLED",
        Tags=svc_tags,
        **service_props,
    ))

    if svc.scaling:
        services_scaling.autoscaling(app, t, wire, svc, service, svc_tags)
