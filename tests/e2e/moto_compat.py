"""Closes the gaps of moto's CloudFormation emulation that the e2e deploy tests hit.

moto (pinned: see MOTO_VERSION) is the emulator the e2e tests deploy into. Its
CloudFormation engine is good enough for plain stacks, but the templates this
project writes use features it skips or gets wrong. Each patch below names the
gap it closes, measured against the pinned version; `apply()` refuses any
other version, so an upgrade re-measures the gaps instead of silently
stacking patches on code that changed.

The patches run in the test process, before the in-process moto server starts
(ThreadedMotoServer shares the interpreter, so patched classes are what the
server uses). They change moto only; nothing here knows about the compiler.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Iterable
from typing import Any

MOTO_VERSION = "5.2.5"

_applied = False


def apply(skip: Iterable[str] = ()) -> None:
    """Patch moto in this process (idempotent).

    `skip` names patches (keys of PATCHES) to leave out: with one left out, the
    e2e suite must fail, which is how a gap is shown to be still there (the
    conftest reads MOTO_COMPAT_SKIP=name,name for this).
    """
    global _applied
    if _applied:
        return
    found = importlib.metadata.version("moto")
    if found != MOTO_VERSION:
        raise RuntimeError(
            f"tests/e2e/moto_compat.py was measured against moto=={MOTO_VERSION}, found {found}: "
            "re-check every gap listed there before changing the pin"
        )
    unknown = set(skip) - set(PATCHES)
    if unknown:
        raise ValueError(f"unknown moto_compat patches {sorted(unknown)}; known: {sorted(PATCHES)}")
    for name, patch in PATCHES.items():
        if name not in skip:
            patch()
    _refresh_model_registry()
    _applied = True


# --- Gap 1 -------------------------------------------------------------------
# `Fn::GetAtt [ChildStack, Outputs.X]` between nested stacks: moto's Stack
# model has no get_cfn_attribute, so the root stack fails with AttributeError
# (a 500) as soon as one child's Parameter is fed from another child's Output.
# CloudFormation returns every stack output as a string: lists are joined
# with commas, the form CommaDelimitedList and List<...> parameters expect.
# And DescribeStacks shows a List<...> parameter as a Python list repr
# ("['subnet-1', 'subnet-2']"); AWS shows the comma-joined string it was given.
def _nested_stack_outputs() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    def get_cfn_attribute(self: Stack, attribute_name: str) -> Any:
        if attribute_name.startswith("Outputs."):
            key = attribute_name[len("Outputs."):]
            for output in self.output_map.values():
                if output and output.key == key:
                    return _as_output_string(output.value)
            raise ValidationError(
                self.stack_id, message=f"Stack {self.name} has no output {key}"
            )
        raise ValidationError(
            self.stack_id, message=f"Stack has no attribute {attribute_name}"
        )

    Stack.get_cfn_attribute = get_cfn_attribute

    original_parameter_list = Stack.parameter_list.fget

    def parameter_list(self: Stack) -> list[dict[str, Any]]:
        return [{**p, "ParameterValue": _as_output_string(p["ParameterValue"])}
                for p in original_parameter_list(self)]

    Stack.parameter_list = property(parameter_list)


def _as_output_string(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


# --- Gap 2 -------------------------------------------------------------------
# Stacks created through a change set (what `aws cloudformation deploy` does)
# get no Outputs and no Description: moto builds the stack with an empty
# template at CreateChangeSet and never rebuilds its output map when the
# change set is executed.
def _change_set_outputs() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set


# --- Gap 3 -------------------------------------------------------------------
# Intrinsic functions.
# a) `Fn::GetAZs`: moto always answers with zones a..d of us-east-1 when the
#    argument is "", and pastes the raw dict into the zone names when it is
#    `{"Ref": "AWS::Region"}` (troposphere's GetAZs(Region)). Answer with the
#    zones the emulated region really has, as AWS does.
# b) `Fn::GetAtt` of an attribute moto does not implement only logs a warning
#    and leaves the raw {"Fn::GetAtt": ...} in place, and one on a resource
#    type moto does not model crashes (a 500) or reads as "undefined resource".
#    Either is now a deployment failure that names the attribute, so a gap can
#    never pass silently.
def _intrinsics() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.ec2.models import ec2_backends

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if not isinstance(resources_map, parsing.ResourceMap):
            # Conditions are evaluated against a plain dict of parameters.
            return original(resource_json, resources_map)
        if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
            region = original(resource_json["Fn::GetAZs"], resources_map) or resources_map["AWS::Region"]
            account = resources_map["AWS::AccountId"]
            zones = ec2_backends[account][region].describe_availability_zones()
            return sorted(z.name for z in zones)
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            target = resource_json["Fn::GetAtt"]
            name, attribute = target.split(".", 1) if isinstance(target, str) else target
            attribute = original(attribute, resources_map)
            declared = resources_map._resource_json_map.get(name)
            if declared is None:
                raise ValidationError(
                    message=f"Template error: instance of Fn::GetAtt references undefined resource {name}"
                )
            resource = resources_map[name]
            if resource is None or not hasattr(resource, "get_cfn_attribute"):
                raise ValidationError(message=(
                    f"moto_compat: the emulator does not model {declared['Type']} "
                    f"(Fn::GetAtt {name}.{attribute})"
                ))
            try:
                return resource.get_cfn_attribute(attribute)
            except NotImplementedError:
                raise ValidationError(message=(
                    f"moto_compat: the emulator does not implement Fn::GetAtt "
                    f"{declared['Type']}.{attribute} ({name})"
                ))
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json


def _api_shape(properties: Any) -> Any:
    """CloudFormation's PascalCase property keys -> the camelCase keys of the ECS API."""
    from moto.core.utils import pascal_to_camelcase, remap_nested_keys

    return remap_nested_keys(properties, pascal_to_camelcase)


# --- Gap 4 -------------------------------------------------------------------
# AWS::ECS::Cluster: moto keeps the name only; ClusterSettings,
# CapacityProviders, DefaultCapacityProviderStrategy, Configuration,
# ServiceConnectDefaults and Tags are dropped.
def _ecs_cluster() -> None:
    from moto.ecs.models import Cluster, ecs_backends

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Cluster:
        api = _api_shape(cloudformation_json.get("Properties", {}))
        return ecs_backends[account_id][region_name].create_cluster(
            cluster_name=resource_name,
            tags=api.get("tags"),
            cluster_settings=api.get("clusterSettings"),
            configuration=api.get("configuration"),
            capacity_providers=api.get("capacityProviders"),
            default_capacity_provider_strategy=api.get("defaultCapacityProviderStrategy"),
            service_connect_defaults=api.get("serviceConnectDefaults"),
        )

    Cluster.create_from_cloudformation_json = classmethod(create)


# --- Gap 5 -------------------------------------------------------------------
# AWS::ECS::TaskDefinition: moto registers family, containers, volumes and
# memory only; Cpu, NetworkMode, RequiresCompatibilities, ExecutionRoleArn,
# TaskRoleArn, RuntimePlatform, EphemeralStorage, PidMode, IpcMode and Tags
# are dropped (so a Fargate task definition reads back as bridge-mode EC2).
def _ecs_task_definition() -> None:
    from moto.ecs.models import TaskDefinition, ecs_backends

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> TaskDefinition:
        props = cloudformation_json["Properties"]
        api = _api_shape(props)
        return ecs_backends[account_id][region_name].register_task_definition(
            family=props.get("Family", resource_name),
            container_definitions=api.get("containerDefinitions", []),
            volumes=api.get("volumes"),
            network_mode=props.get("NetworkMode"),
            tags=api.get("tags"),
            placement_constraints=api.get("placementConstraints"),
            requires_compatibilities=props.get("RequiresCompatibilities"),
            cpu=_str_or_none(props.get("Cpu")),
            memory=_str_or_none(props.get("Memory")),
            task_role_arn=props.get("TaskRoleArn"),
            execution_role_arn=props.get("ExecutionRoleArn"),
            runtime_platform=api.get("runtimePlatform"),
            ipc_mode=props.get("IpcMode"),
            pid_mode=props.get("PidMode"),
            ephemeral_storage=api.get("ephemeralStorage"),
        )

    TaskDefinition.create_from_cloudformation_json = classmethod(create)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# --- Gap 6 -------------------------------------------------------------------
# AWS::ECS::Service: moto keeps cluster, name, desired count and task
# definition, and makes every service an EC2 service. Dropped: LaunchType,
# CapacityProviderStrategy, NetworkConfiguration, LoadBalancers,
# ServiceRegistries, DeploymentConfiguration (circuit breaker),
# HealthCheckGracePeriodSeconds, EnableExecuteCommand, EnableECSManagedTags,
# PropagateTags, PlatformVersion, ServiceConnectConfiguration and Tags.
# moto's own CreateService knows no capacity providers either: a service with
# a CapacityProviderStrategy gets no launch type, like on AWS. Service Connect
# is reported where ECS reports it, on the service's deployment.
def _ecs_service() -> None:
    from moto.ecs.models import Service, ecs_backends

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Service:
        props = cloudformation_json["Properties"]
        api = _api_shape(props)
        strategy = api.get("capacityProviderStrategy")
        service = ecs_backends[account_id][region_name].create_service(
            props.get("Cluster", "default"),
            resource_name,
            props.get("DesiredCount", 1),
            task_definition_str=props.get("TaskDefinition"),
            load_balancers=api.get("loadBalancers", []),
            scheduling_strategy=props.get("SchedulingStrategy"),
            tags=api.get("tags"),
            deployment_controller=api.get("deploymentController"),
            # moto accepts EC2 or FARGATE only; cleared below for capacity providers
            launch_type=props.get("LaunchType") or "FARGATE",
            service_registries=api.get("serviceRegistries"),
            platform_version=props.get("PlatformVersion"),
            propagate_tags=props.get("PropagateTags", "NONE"),
            network_configuration=api.get("networkConfiguration"),
            role_arn=props.get("Role"),
        )
        if strategy:
            service.launch_type = None
        service.capacity_provider_strategy = strategy
        service.deployment_configuration = api.get("deploymentConfiguration")
        service.health_check_grace_period_seconds = props.get("HealthCheckGracePeriodSeconds")
        service.enable_execute_command = bool(props.get("EnableExecuteCommand", False))
        service.enable_ecs_managed_tags = bool(props.get("EnableECSManagedTags", False))
        for deployment in service.deployments:
            deployment["launchType"] = service.launch_type
            deployment["capacityProviderStrategy"] = strategy
            deployment["serviceConnectConfiguration"] = api.get("serviceConnectConfiguration")
        return service

    Service.create_from_cloudformation_json = classmethod(create)


# --- Gap 7 -------------------------------------------------------------------
# Elastic Load Balancing v2.
# a) LoadBalancer: Type, IpAddressType, LoadBalancerAttributes (idle timeout,
#    deletion protection, access logs) and Tags are dropped;
#    Fn::GetAtt LoadBalancerFullName / CanonicalHostedZoneID / SecurityGroups
#    are not implemented.
# b) TargetGroup: TargetGroupAttributes (deregistration delay, stickiness),
#    HealthCheckEnabled and Tags are dropped; it has no Fn::GetAtt at all
#    (TargetGroupFullName, TargetGroupName, LoadBalancerArns...).
# c) Listener and ListenerRule: Tags are dropped.
def _elbv2() -> None:
    from moto.elbv2.models import (FakeListener, FakeListenerRule, FakeLoadBalancer,
                                   FakeTargetGroup, elbv2_backends)

    def attributes(props: dict, key: str) -> dict[str, str]:
        return {a["Key"]: str(a["Value"]) for a in props.get(key) or []}

    def tag(backend: Any, arn: str, props: dict) -> None:
        if props.get("Tags"):
            backend.add_tags([arn], props["Tags"])

    def create_lb(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                  region_name: str, **kwargs: Any) -> FakeLoadBalancer:
        props = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        lb = backend.create_load_balancer(
            resource_name,
            props.get("SecurityGroups"),
            props.get("Subnets"),
            subnet_mappings=props.get("SubnetMappings"),
            scheme=props.get("Scheme", "internet-facing"),
            loadbalancer_type=props.get("Type", "application"),
            ip_address_type=props.get("IpAddressType", "ipv4"),
            tags=props.get("Tags"),
        )
        if props.get("LoadBalancerAttributes"):
            backend.modify_load_balancer_attributes(lb.arn, attributes(props, "LoadBalancerAttributes"))
        return lb

    FakeLoadBalancer.create_from_cloudformation_json = classmethod(create_lb)

    original_lb_attribute = FakeLoadBalancer.get_cfn_attribute

    def lb_attribute(self: FakeLoadBalancer, attribute_name: str) -> Any:
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":loadbalancer/", 1)[1]
        if attribute_name == "CanonicalHostedZoneID":
            return self.canonical_hosted_zone_id
        if attribute_name == "SecurityGroups":
            return list(self.security_groups)
        if attribute_name == "LoadBalancerArn":
            return self.arn
        return original_lb_attribute(self, attribute_name)

    FakeLoadBalancer.get_cfn_attribute = lb_attribute

    original_tg = FakeTargetGroup.create_from_cloudformation_json.__func__

    def create_tg(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                  region_name: str, **kwargs: Any) -> FakeTargetGroup:
        props = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        tg = original_tg(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if "HealthCheckEnabled" in props:
            tg.health_check_enabled = str(props["HealthCheckEnabled"]).lower() == "true"
        if props.get("TargetGroupAttributes"):
            backend.modify_target_group_attributes(tg.arn, attributes(props, "TargetGroupAttributes"))
        tag(backend, tg.arn, props)
        return tg

    FakeTargetGroup.create_from_cloudformation_json = classmethod(create_tg)

    def tg_attribute(self: FakeTargetGroup, attribute_name: str) -> Any:
        values = {
            "TargetGroupArn": self.arn,
            "TargetGroupName": self.name,
            "TargetGroupFullName": self.arn.split(":", 5)[5],
            "LoadBalancerArns": list(self.load_balancer_arns),
        }
        if attribute_name not in values:
            raise NotImplementedError(attribute_name)
        return values[attribute_name]

    FakeTargetGroup.get_cfn_attribute = tg_attribute
    FakeTargetGroup.has_cfn_attr = classmethod(lambda cls, attr: attr in (
        "TargetGroupArn", "TargetGroupName", "TargetGroupFullName", "LoadBalancerArns"))

    for model in (FakeListener, FakeListenerRule):
        _tag_after_create(model, lambda resource, props, account, region:
                          tag(elbv2_backends[account][region], resource.arn, props))


def _tag_after_create(model: Any, after: Any) -> None:
    original = model.create_from_cloudformation_json.__func__

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        resource = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        after(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create)


# --- Gap 8 -------------------------------------------------------------------
# AWS::ServiceDiscovery::PrivateDnsNamespace and AWS::ServiceDiscovery::Service
# are not CloudFormation types in moto at all: they are skipped (a blank row in
# ListStackResources), and an Fn::GetAtt on them makes the stack fail. These
# models create them through moto's own Cloud Map backend, with the Ref and
# Fn::GetAtt values AWS documents (Ref: the Id; Id, Arn, HostedZoneId, Name).
def _service_discovery() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.servicediscovery.models import servicediscovery_backends

    class PrivateDnsNamespace(CloudFormationModel):
        __module__ = "moto.servicediscovery.models"  # moto files models by the module they live in

        def __init__(self, namespace: Any, account_id: str, region_name: str):
            self.namespace = namespace
            self.account_id = account_id
            self.region_name = region_name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ServiceDiscovery::PrivateDnsNamespace"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Id", "Arn", "HostedZoneId")

        @property
        def physical_resource_id(self) -> str:
            return self.namespace.id

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Id":
                return self.namespace.id
            if attribute_name == "Arn":
                return self.namespace.arn
            if attribute_name == "HostedZoneId":
                return self.namespace.dns_properties["HostedZoneId"]
            raise NotImplementedError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            backend = servicediscovery_backends[account_id][region_name]
            backend.create_private_dns_namespace(
                name=props["Name"], creator_request_id=resource_name,
                description=props.get("Description"), vpc=props["Vpc"],
                tags=props.get("Tags"), properties=props.get("Properties"),
            )
            [namespace] = [n for n in backend.namespaces.values()
                           if n.name == props["Name"] and n.vpc == props["Vpc"]]
            return cls(namespace, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            servicediscovery_backends[account_id][region_name].delete_namespace(self.namespace.id)

    class DiscoveryService(CloudFormationModel):
        __module__ = "moto.servicediscovery.models"  # moto files models by the module they live in

        def __init__(self, service: Any):
            self.service = service

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ServiceDiscovery::Service"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Id", "Arn", "Name")

        @property
        def physical_resource_id(self) -> str:
            return self.service.id

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            values = {"Id": self.service.id, "Arn": self.service.arn, "Name": self.service.name}
            if attribute_name not in values:
                raise NotImplementedError(attribute_name)
            return values[attribute_name]

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            service = servicediscovery_backends[account_id][region_name].create_service(
                name=props.get("Name", resource_name),
                namespace_id=props.get("NamespaceId"),
                creator_request_id=resource_name,
                description=props.get("Description"),
                dns_config=props.get("DnsConfig"),
                health_check_config=props.get("HealthCheckConfig"),
                health_check_custom_config=props.get("HealthCheckCustomConfig"),
                tags=props.get("Tags"),
                service_type=props.get("Type"),
            )
            return cls(service)

        def delete(self, account_id: str, region_name: str) -> None:
            servicediscovery_backends[account_id][region_name].delete_service(self.service.id)

    _ADDED_MODELS.extend([PrivateDnsNamespace, DiscoveryService])


# --- Gap 9 -------------------------------------------------------------------
# AWS::ApplicationAutoScaling::ScalableTarget and ::ScalingPolicy are not
# CloudFormation types in moto either: autoscaling silently disappears. These
# models register them through moto's Application Auto Scaling backend. The
# target's Ref is what AWS returns, "<resource id>|<dimension>|<namespace>",
# which a policy's ScalingTargetId points at. And RegisterScalableTarget on AWS
# moves an active resource's current capacity into MinCapacity..MaxCapacity
# (API reference); moto leaves an ECS service's desired count where it was, so
# a service created without DesiredCount (1 task) would stay below its minimum.
def _application_autoscaling() -> None:
    from moto.applicationautoscaling.models import applicationautoscaling_backends
    from moto.core.common_models import CloudFormationModel
    from moto.ecs.models import ecs_backends

    class ScalableTarget(CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"  # moto files models by the module they live in

        def __init__(self, target: Any):
            self.target = target

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApplicationAutoScaling::ScalableTarget"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        @property
        def physical_resource_id(self) -> str:
            t = self.target
            return f"{t.resource_id}|{t.scalable_dimension}|{t.service_namespace}"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Id":
                return self.physical_resource_id
            raise NotImplementedError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            target = applicationautoscaling_backends[account_id][region_name].register_scalable_target(
                namespace=props["ServiceNamespace"],
                r_id=props["ResourceId"],
                dimension=props["ScalableDimension"],
                min_capacity=int(props["MinCapacity"]),
                max_capacity=int(props["MaxCapacity"]),
                role_arn=props.get("RoleARN"),
                suspended_state=props.get("SuspendedState"),
            )
            if target.service_namespace == "ecs" and target.scalable_dimension == "ecs:service:DesiredCount":
                _, cluster, name = target.resource_id.split("/")
                [service], _ = ecs_backends[account_id][region_name].describe_services(cluster, [name])
                service.desired_count = min(max(service.desired_count, target.min_capacity),
                                            target.max_capacity)
            return cls(target)

        def delete(self, account_id: str, region_name: str) -> None:
            t = self.target
            applicationautoscaling_backends[account_id][region_name].deregister_scalable_target(
                t.service_namespace, t.resource_id, t.scalable_dimension)

    class ScalingPolicy(CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"  # moto files models by the module they live in

        def __init__(self, policy: Any):
            self.policy = policy

        @staticmethod
        def cloudformation_name_type() -> str:
            return "PolicyName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApplicationAutoScaling::ScalingPolicy"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        @property
        def physical_resource_id(self) -> str:
            return self.policy.policy_arn

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Arn":
                return self.policy.policy_arn
            raise NotImplementedError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            if props.get("ScalingTargetId"):
                resource_id, dimension, namespace = props["ScalingTargetId"].split("|")
            else:
                resource_id = props["ResourceId"]
                dimension = props["ScalableDimension"]
                namespace = props["ServiceNamespace"]
            policy_type = props["PolicyType"]
            body_key = ("TargetTrackingScalingPolicyConfiguration" if policy_type == "TargetTrackingScaling"
                        else "StepScalingPolicyConfiguration")
            policy = applicationautoscaling_backends[account_id][region_name].put_scaling_policy(
                policy_name=props.get("PolicyName", resource_name),
                service_namespace=namespace,
                resource_id=resource_id,
                scalable_dimension=dimension,
                policy_body=props.get(body_key),
                policy_type=policy_type,
            )
            return cls(policy)

        def delete(self, account_id: str, region_name: str) -> None:
            p = self.policy
            applicationautoscaling_backends[account_id][region_name].delete_scaling_policy(
                p.policy_name, p.service_namespace, p.resource_id, p.scalable_dimension)

    _ADDED_MODELS.extend([ScalableTarget, ScalingPolicy])


# --- Gap 10 ------------------------------------------------------------------
# AWS::EC2::SubnetRouteTableAssociation: moto files the pair away but never
# associates the subnet with the route table, so every subnet keeps using the
# VPC's main route table (no internet gateway, no NAT gateway route). Associate
# it for real; the physical id is the association id, as on AWS.
def _subnet_route_table_association() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> SubnetRouteTableAssociation:
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        association = backend.create_subnet_association(
            route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"]
        )
        association.association_id = backend.associate_route_table(
            props["RouteTableId"], subnet_id=props["SubnetId"]
        )
        return association

    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(create)
    SubnetRouteTableAssociation.physical_resource_id = property(
        lambda self: getattr(self, "association_id", self.route_table_id)
    )


# --- Gap 11 ------------------------------------------------------------------
# AWS::S3::BucketPolicy is not a CloudFormation type in moto: skipped, so a
# bucket the stack locks down has no policy at all. Put it on the bucket.
def _s3_bucket_policy() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    class BucketPolicy(CloudFormationModel):
        __module__ = "moto.s3.models"  # moto files models by the module they live in

        def __init__(self, name: str, bucket: str):
            self.name = name
            self.bucket = bucket

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            document = props["PolicyDocument"]
            if not isinstance(document, str):
                document = json.dumps(document)
            backend = s3_backends[account_id][get_partition(region_name)]
            backend.put_bucket_policy(props["Bucket"], document.encode())
            return cls(resource_name, props["Bucket"])

        def delete(self, account_id: str, region_name: str) -> None:
            s3_backends[account_id][get_partition(region_name)].delete_bucket_policy(self.bucket)

    _ADDED_MODELS.append(BucketPolicy)


# --- Gap 12 ------------------------------------------------------------------
# ModifyTargetGroupAttributes (and so AWS::ElasticLoadBalancingV2::TargetGroup
# TargetGroupAttributes) refuses deregistration_delay.timeout_seconds 3600:
# moto checks `in range(0, 3600)`, which leaves out the top of the documented
# 0..3600 range. Check the real range, then store the value moto refused.
def _target_group_deregistration_delay() -> None:
    from moto.elbv2.models import ELBv2Backend

    original = ELBv2Backend.modify_target_group_attributes
    key = "deregistration_delay.timeout_seconds"

    def modify_target_group_attributes(self: ELBv2Backend, target_group_arn: str,
                                       attributes: dict[str, Any]) -> None:
        delay = attributes.get(key)
        if delay is None or int(delay) != 3600:
            return original(self, target_group_arn, attributes)
        original(self, target_group_arn, {**attributes, key: "0"})
        self.target_groups[target_group_arn].attributes[key] = delay

    ELBv2Backend.modify_target_group_attributes = modify_target_group_attributes


# --- Gap 13 ------------------------------------------------------------------
# AWS::IAM::Role.
# a) An inline policy (Policies[].PolicyDocument, written as an object) is
#    stored as its Python repr, so GetRolePolicy answers "{'Statement': ...}",
#    which is not JSON. Store it as JSON, as AWS does.
# b) ManagedPolicyArns are dropped, so a task role comes back with no
#    attached policies. Attach them; an ARN that names no policy fails
# the stack, as on AWS. moto loads AWS managed policies only when asked to
# (MOTO_IAM_LOAD_MANAGED_POLICIES, all ~1,600 of them in every fresh backend),
# so one that is attached is loaded then, from moto's own copy of the list; an
# AWS managed policy newer than that copy gets an empty stand-in (it exists on
# AWS, and what a policy allows is not something the emulator evaluates).
def _iam_role() -> None:
    import json
    import re

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, Role, iam_backends
    from moto.utilities.utils import get_partition

    aws_policy = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy(?P<path>/(?:.*/)?)(?P<name>[^/]+)$")
    original = Role.create_from_cloudformation_json.__func__

    def load_aws_managed(backend: Any, arn: str) -> None:
        found = aws_policy.match(arn)
        if not found or arn in backend.managed_policies:
            return
        known = json.loads(aws_managed_policies_data).get(found["name"])
        if known is None or known.get("Path", "/") != found["path"]:
            known = {"Path": found["path"], "DefaultVersionId": "v1",
                     "Document": {"Version": "2012-10-17", "Statement": []},
                     "CreateDate": "2024-01-01T00:00:00+00:00",
                     "UpdateDate": "2024-01-01T00:00:00+00:00"}
        policy = AWSManagedPolicy.from_data(found["name"], backend.account_id, backend.region_name, known)
        backend.managed_policies[policy.arn] = policy

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Role:
        props = dict(cloudformation_json["Properties"])
        props["Policies"] = [
            {**p, "PolicyDocument": p["PolicyDocument"] if isinstance(p["PolicyDocument"], str)
             else json.dumps(p["PolicyDocument"])}
            for p in props.get("Policies") or []
        ]
        cloudformation_json = {**cloudformation_json, "Properties": props}
        role = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in cloudformation_json["Properties"].get("ManagedPolicyArns") or []:
            load_aws_managed(backend, arn)
            backend.attach_role_policy(arn, role.name)
        return role

    Role.create_from_cloudformation_json = classmethod(create)


# --- Gap 14 ------------------------------------------------------------------
# ALB access logs: AWS refuses access_logs.s3.enabled=true unless the bucket
# exists in the load balancer's Region and its policy lets Elastic Load
# Balancing write there (ELB writes a test object, .../AWSLogs/<account>/
# ELBAccessLogTestFile, when the attribute is set; "Access Denied for bucket:
# X. Please check S3bucket permission"). moto sets the attribute without
# looking. Check it the way ELB does: an Allow of s3:PutObject on that key,
# to the Region's ELB log-delivery account or the log-delivery service
# principal, and no unconditional Deny of it. Source of the accounts: ELB user
# guide, "Enable access logs for your Application Load Balancer".
ELB_LOG_DELIVERY_ACCOUNTS = {
    "af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331", "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928", "eu-north-1": "897822967062", "eu-south-1": "635631232127",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667",
    "me-south-1": "076674570225", "sa-east-1": "507241528517", "us-east-1": "127311923021",
    "us-east-2": "033677994240", "us-gov-east-1": "190560391635", "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980", "us-west-2": "797873946194",
}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def _elb_access_log_delivery() -> None:
    import fnmatch
    import json

    from moto.elbv2.exceptions import InvalidConfigurationRequest
    from moto.elbv2.models import ELBv2Backend
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    original = ELBv2Backend.modify_load_balancer_attributes

    def listed(value: Any) -> list:
        return value if isinstance(value, list) else [value]

    def elb_may_write(policy: dict, region: str, key_arn: str) -> bool:
        principals = {("Service", ELB_LOG_DELIVERY_SERVICE)}
        if region in ELB_LOG_DELIVERY_ACCOUNTS:
            account = ELB_LOG_DELIVERY_ACCOUNTS[region]
            root = f"arn:{get_partition(region)}:iam::{account}:root"
            principals |= {("AWS", account), ("AWS", root)}

        def applies(statement: dict) -> bool:
            principal = statement.get("Principal")
            named = principal == "*" or any(
                (kind, value) in principals or value == "*"
                for kind, values in (principal or {}).items() for value in listed(values))
            return (named
                    and any(fnmatch.fnmatchcase("s3:PutObject", a) for a in listed(statement.get("Action", [])))
                    and any(fnmatch.fnmatchcase(key_arn, r) for r in listed(statement.get("Resource", []))))

        statements = listed(policy.get("Statement", []))
        if any(s.get("Effect") == "Deny" and "Condition" not in s and applies(s) for s in statements):
            return False
        return any(s.get("Effect") == "Allow" and "Condition" not in s and applies(s) for s in statements)

    def modify_load_balancer_attributes(self: ELBv2Backend, arn: str, attrs: dict[str, Any]) -> dict[str, Any]:
        if str(attrs.get("access_logs.s3.enabled", "")).lower() == "true":
            bucket_name = attrs.get("access_logs.s3.bucket", "")
            prefix = attrs.get("access_logs.s3.prefix", "")
            denied = InvalidConfigurationRequest(
                f"Access Denied for bucket: {bucket_name}. Please check S3bucket permission")
            try:
                bucket = s3_backends[self.account_id][get_partition(self.region_name)].get_bucket(bucket_name)
            except MissingBucket:
                raise InvalidConfigurationRequest(
                    f"The value of 'access_logs.s3.bucket' is invalid: bucket {bucket_name!r} does not exist")
            if bucket.region_name != self.region_name:
                raise InvalidConfigurationRequest(
                    f"Bucket {bucket_name} is in {bucket.region_name}, not in the load balancer's "
                    f"Region {self.region_name}")
            if not bucket.policy:
                raise denied
            key = f"{prefix}/" if prefix else ""
            key_arn = (f"arn:{get_partition(self.region_name)}:s3:::{bucket_name}/{key}AWSLogs/"
                       f"{self.account_id}/ELBAccessLogTestFile")
            if not elb_may_write(json.loads(bucket.policy), self.region_name, key_arn):
                raise denied
        return original(self, arn, attrs)

    ELBv2Backend.modify_load_balancer_attributes = modify_load_balancer_attributes


# --- Gap 15 ------------------------------------------------------------------
# AWS::S3::Bucket: moto keeps BucketEncryption and Tags only.
# PublicAccessBlockConfiguration, VersioningConfiguration and OwnershipControls
# are dropped, so a locked-down bucket reads back as an open one. Apply them.
def _s3_bucket() -> None:
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    original = FakeBucket.create_from_cloudformation_json.__func__

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> FakeBucket:
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json.get("Properties", {})
        backend = s3_backends[account_id][get_partition(region_name)]
        if props.get("PublicAccessBlockConfiguration"):
            backend.put_public_access_block(bucket.name, props["PublicAccessBlockConfiguration"])
        if props.get("VersioningConfiguration"):
            backend.put_bucket_versioning(bucket.name, props["VersioningConfiguration"]["Status"])
        rules = (props.get("OwnershipControls") or {}).get("Rules") or []
        if rules:
            backend.put_bucket_ownership_controls(bucket.name, rules[0]["ObjectOwnership"])
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)


# --- Gap 16 ------------------------------------------------------------------
# AWS::EC2::SecurityGroup: SecurityGroupEgress is dropped, so every group keeps
# EC2's default allow-all egress. On AWS the property replaces that default
# with exactly the rules listed. Apply them (CIDR, IPv6 CIDR, destination
# group and prefix list targets).
def _security_group_egress() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup

    original = SecurityGroup.create_from_cloudformation_json.__func__

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> SecurityGroup:
        group = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json["Properties"]
        if "SecurityGroupEgress" not in props:
            return group
        backend = ec2_backends[account_id][region_name]
        group.egress_rules = []
        for rule in props["SecurityGroupEgress"] or []:
            ranges = []
            if rule.get("CidrIp"):
                ranges.append({"CidrIp": rule["CidrIp"]})
            if rule.get("CidrIpv6"):
                ranges.append({"CidrIpv6": rule["CidrIpv6"]})
            backend.authorize_security_group_egress(
                group_name_or_id=group.id,
                ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort"),
                to_port=rule.get("ToPort"),
                ip_ranges=ranges,
                source_groups=([{"GroupId": rule["DestinationSecurityGroupId"]}]
                               if rule.get("DestinationSecurityGroupId") else []),
                prefix_list_ids=([{"PrefixListId": rule["DestinationPrefixListId"]}]
                                 if rule.get("DestinationPrefixListId") else []),
                vpc_id=group.vpc_id,
            )
        return group

    SecurityGroup.create_from_cloudformation_json = classmethod(create)


# --- Gap 17 ------------------------------------------------------------------
# Tags of AWS::EC2::RouteTable, ::NatGateway, ::VPCEndpoint, ::EIP and
# ::InternetGateway are dropped (the other EC2 types the templates use keep
# theirs). Tag them.
def _ec2_tags() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint

    def tag(resource: Any, props: dict, account_id: str, region_name: str) -> None:
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
        if tags:
            ec2_backends[account_id][region_name].create_tags([resource.id], tags)

    for model in (RouteTable, NatGateway, VPCEndPoint, ElasticAddress, InternetGateway):
        _tag_after_create(model, tag)


# --- Gap 18 ------------------------------------------------------------------
# Pseudo parameters: AWS::Partition is always "aws" and AWS::URLSuffix always
# "amazonaws.com", also in the China and GovCloud Regions, so every ARN a
# template builds with ${AWS::Partition} is wrong there. Answer per Region.
def _pseudo_parameters() -> None:
    from moto.cloudformation.parsing import ResourceMap
    from moto.utilities.utils import get_partition

    original = ResourceMap.__init__

    def __init__(self: ResourceMap, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        partition = get_partition(self._region_name)
        self._parsed_resources["AWS::Partition"] = partition
        self._parsed_resources["AWS::URLSuffix"] = (
            "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com")

    ResourceMap.__init__ = __init__


# --- EFS (storage-dns) ---------------------------------------------------------
# AWS::EFS::FileSystem drops FileSystemPolicy; AWS::EFS::AccessPoint has no
# physical resource ID (Ref gives its logical name, not fsap-...) and no
# Fn::GetAtt (Arn, AccessPointId). Store the policy, answer Ref and GetAtt.
# A task definition's EFS volumes come out of gap 5's key conversion in the
# wrong shape ("eFSVolumeConfiguration", "filesystemId", "iAM"): they are
# stored as the ECS API has them (efsVolumeConfiguration, fileSystemId, iam).
# And a standalone AWS::EC2::SecurityGroupIngress (the NFS rule each mounting
# service adds to the file system's group) is created without a physical ID
# (AWS: the rule's sgr- ID): it is given the ID of the rule it added.
def _efs() -> None:
    from moto.ec2.models.security_groups import SecurityGroupIngress
    from moto.ecs.models import TaskDefinition
    from moto.efs.models import AccessPoint, FileSystem, efs_backends

    def put_policy(fs: Any, props: dict, account_id: str, region_name: str) -> None:
        if props.get("FileSystemPolicy"):
            efs_backends[account_id][region_name].put_file_system_policy(
                fs.file_system_id, json.dumps(props["FileSystemPolicy"]),
                bool(props.get("BypassPolicyLockoutSafetyCheck")))

    _tag_after_create(FileSystem, put_policy)

    def attribute(self: AccessPoint, attribute_name: str) -> Any:
        values = {"Arn": self.access_point_arn, "AccessPointId": self.access_point_id}
        if attribute_name not in values:
            raise NotImplementedError(attribute_name)
        return values[attribute_name]

    AccessPoint.physical_resource_id = property(lambda self: self.access_point_id)

    def api_volume(volume: dict) -> dict:
        found: dict[str, Any] = {"name": volume["Name"]}
        efs_config = volume.get("EFSVolumeConfiguration")
        if efs_config:
            config = {"fileSystemId": efs_config["FilesystemId"]}
            for key, api_key in (("RootDirectory", "rootDirectory"),
                                 ("TransitEncryption", "transitEncryption"),
                                 ("TransitEncryptionPort", "transitEncryptionPort")):
                if key in efs_config:
                    config[api_key] = efs_config[key]
            auth = efs_config.get("AuthorizationConfig")
            if auth:
                config["authorizationConfig"] = {
                    api_key: auth[key] for key, api_key in (("AccessPointId", "accessPointId"),
                                                            ("IAM", "iam")) if key in auth}
            found["efsVolumeConfiguration"] = config
        return found

    original_task_definition = TaskDefinition.create_from_cloudformation_json.__func__

    def create_task_definition(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                               region_name: str, **kwargs: Any) -> Any:
        made = original_task_definition(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs)
        volumes = cloudformation_json["Properties"].get("Volumes")
        if volumes:
            made.volumes = [api_volume(v) for v in volumes]
        return made

    TaskDefinition.create_from_cloudformation_json = classmethod(create_task_definition)

    original_ingress = SecurityGroupIngress.create_from_cloudformation_json.__func__

    def create_ingress(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                       region_name: str, **kwargs: Any) -> Any:
        before = set()
        props = cloudformation_json["Properties"]
        from moto.ec2.models import ec2_backends
        backend = ec2_backends[account_id][region_name]
        if props.get("GroupId"):
            [group] = backend.describe_security_groups(group_ids=[props["GroupId"]])
            before = {r.id for r in group.ingress_rules}
        made = original_ingress(cls, resource_name, cloudformation_json, account_id,
                                region_name, **kwargs)
        added = [r.id for r in made.security_group.ingress_rules if r.id not in before]
        made.rule_id = added[0] if added else ""
        return made

    SecurityGroupIngress.create_from_cloudformation_json = classmethod(create_ingress)
    SecurityGroupIngress.physical_resource_id = property(lambda self: getattr(self, "rule_id", ""))
    AccessPoint.get_cfn_attribute = attribute
    AccessPoint.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Arn", "AccessPointId"))


# --- ACM certificates (storage-dns) -------------------------------------------
# AWS::CertificateManager::Certificate is not a CloudFormation type in moto:
# it is skipped, and the HTTPS listener that names it fails. This model
# requests it through moto's ACM backend and then does what CloudFormation and
# ACM do for DNS validation with DomainValidationOptions[].HostedZoneId: write
# each name's validation CNAME into that hosted zone, then (ACM finding it)
# issue the certificate. Ref is the ARN.
def _acm_certificate() -> None:
    from moto.acm.models import acm_backends
    from moto.core.common_models import CloudFormationModel
    from moto.route53.models import route53_backends
    from moto.utilities.utils import get_partition

    class Certificate(CloudFormationModel):
        __module__ = "moto.acm.models"  # moto files models by the module they live in

        def __init__(self, arn: str):
            self.arn = arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CertificateManager::Certificate"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            backend = acm_backends[account_id][region_name]
            arn = backend.request_certificate(
                props["DomainName"], idempotency_token=None,
                subject_alt_names=props.get("SubjectAlternativeNames") or [],
                tags=props.get("Tags") or [])
            bundle = backend.describe_certificate(arn)
            zones = {o["DomainName"]: o["HostedZoneId"]
                     for o in props.get("DomainValidationOptions") or [] if o.get("HostedZoneId")}
            if props.get("ValidationMethod") == "DNS" and zones:
                route53 = route53_backends[account_id][get_partition(region_name)]
                for option in bundle.describe()["Certificate"]["DomainValidationOptions"]:
                    zone = zones.get(option["DomainName"])
                    if zone is None:
                        continue
                    record = option["ResourceRecord"]
                    route53.get_hosted_zone(zone).add_rrset({
                        "Name": record["Name"], "Type": record["Type"], "TTL": 300,
                        "ResourceRecords": [record["Value"]]})
                bundle.status = "ISSUED"
            return cls(arn)

        def delete(self, account_id: str, region_name: str) -> None:
            acm_backends[account_id][region_name].delete_certificate(self.arn)

    _ADDED_MODELS.append(Certificate)


# --- Listener certificates (storage-dns) --------------------------------------
# AWS::ElasticLoadBalancingV2::ListenerCertificate is not a CloudFormation type
# in moto: the extra certificates never reach the listener. They are attached
# to it as AWS does: DescribeListenerCertificates lists them after the default
# one, DescribeListeners shows only the default (moto's own
# AddListenerCertificates would add them to both).
def _listener_certificate() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.elbv2.models import ELBv2Backend, elbv2_backends

    class ListenerCertificate(CloudFormationModel):
        __module__ = "moto.elbv2.models"  # moto files models by the module they live in

        def __init__(self, listener_arn: str, certificates: list[dict]):
            self.listener_arn = listener_arn
            self.certificates = certificates

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ElasticLoadBalancingV2::ListenerCertificate"

        @property
        def physical_resource_id(self) -> str:
            return self.listener_arn + "|" + ",".join(c["CertificateArn"] for c in self.certificates)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            certificates = [{"CertificateArn": c["CertificateArn"]} for c in props["Certificates"]]
            backend = elbv2_backends[account_id][region_name]
            [listener] = backend.describe_listeners(None, [props["ListenerArn"]])
            extra = getattr(listener, "extra_certificates", [])
            listener.extra_certificates = extra + [c["CertificateArn"] for c in certificates]
            return cls(props["ListenerArn"], certificates)

        def delete(self, account_id: str, region_name: str) -> None:
            backend = elbv2_backends[account_id][region_name]
            [listener] = backend.describe_listeners(None, [self.listener_arn])
            gone = {c["CertificateArn"] for c in self.certificates}
            listener.extra_certificates = [c for c in listener.extra_certificates if c not in gone]

    original_describe = ELBv2Backend.describe_listener_certificates

    def describe_listener_certificates(self: Any, arn: str) -> list[str]:
        [listener] = self.describe_listeners(None, [arn])
        return list(original_describe(self, arn)) + getattr(listener, "extra_certificates", [])

    ELBv2Backend.describe_listener_certificates = describe_listener_certificates

    _ADDED_MODELS.append(ListenerCertificate)


# --- Gap 19 ------------------------------------------------------------------
# EC2 refuses a security group or rule description outside its characters
# (a-z A-Z 0-9, spaces, ._-:/()#,@[]+=;{}!$* and '&' except on rules naming a
# group or prefix list) or longer than 255, and more than 60 inbound or 60
# outbound rules per group and IP family (the default quota; a group or prefix
# list reference counts for both families). moto takes anything. Refuse them
# the way EC2 does, as InvalidParameterValue / RulesPerSecurityGroupLimitExceeded.
_EC2_TEXT = r"a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*"
EC2_RULES_PER_GROUP = 60


def _security_group_validation() -> None:
    import re

    from moto.ec2.exceptions import EC2ClientError, InvalidParameterValueError
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress

    with_ampersand = re.compile(f"^[{_EC2_TEXT}&]{{0,255}}$")
    without = re.compile(f"^[{_EC2_TEXT}]{{0,255}}$")

    def check_text(text: Any, pattern: "re.Pattern[str]") -> None:
        if isinstance(text, str) and not pattern.match(text):
            raise InvalidParameterValueError(text)

    def check_rule(rule: dict) -> None:
        cidr = "CidrIp" in rule or "CidrIpv6" in rule
        check_text(rule.get("Description"), with_ampersand if cidr else without)

    def count(rules: list, where: str) -> None:
        families = {"IPv4": 0, "IPv6": 0}
        for rule in rules:
            for family in (["IPv4"] if "CidrIp" in rule else ["IPv6"] if "CidrIpv6" in rule
                           else ["IPv4", "IPv6"]):
                families[family] += 1
        for family, n in families.items():
            if n > EC2_RULES_PER_GROUP:
                raise EC2ClientError("RulesPerSecurityGroupLimitExceeded",
                                     f"{where}: {n} {family} rules; the maximum is {EC2_RULES_PER_GROUP}")

    original_group = SecurityGroup.create_from_cloudformation_json.__func__

    def create_group(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                     region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        check_text(props.get("GroupDescription"), with_ampersand)
        for key in ("SecurityGroupIngress", "SecurityGroupEgress"):
            rules = props.get(key) or []
            for rule in rules:
                check_rule(rule)
            count(rules, f"{resource_name} {key}")
        return original_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    SecurityGroup.create_from_cloudformation_json = classmethod(create_group)

    # moto has no AWS::EC2::SecurityGroupEgress model at all; the ingress one is checked.
    original_rule = SecurityGroupIngress.create_from_cloudformation_json.__func__

    def create_rule(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                    region_name: str, **kwargs: Any) -> Any:
        check_rule(cloudformation_json.get("Properties") or {})
        return original_rule(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    SecurityGroupIngress.create_from_cloudformation_json = classmethod(create_rule)


# --- Gap 20 ------------------------------------------------------------------
# Stack updates (`aws cloudformation deploy` of an existing stack, through a change
# set), which tests/e2e/test_updates_e2e.py makes. Measured against moto 5.2.5:
# (a) a nested stack (AWS::CloudFormation::Stack) whose template or parameters
#     change is deleted and created again, every resource in it new (and a retained
#     namespace then clashes with its own successor). AWS updates the nested stack
#     in place: only what changed in it changes.
# (b) a resource the update modifies whose type moto cannot update (Logs::LogGroup,
#     ELBv2 TargetGroup and LoadBalancer, EC2 VPC/Subnet/Route..., and the types
#     added above) is dropped from the stack, so later references to it fail. AWS
#     modifies it in place, or replaces it when a create-only property changes
#     (which the compiler's diff tests check, not the emulator): here it is kept as
#     it was; its new property values are not applied.
# (c) an AWS::EC2::SecurityGroup update deletes the group and makes a new one (a
#     new GroupId); AWS changes the rules of the same group unless GroupDescription,
#     GroupName or VpcId (create-only) change. Rules are now replaced in place.
# (d) a resource the update removes from the template is deleted even with
#     DeletionPolicy: Retain; AWS keeps it (and its data, e.g. a log group's events).
# (e) a removed resource stays in the stack's resource map, so when a later update
#     adds the same logical ID again, moto hands back the old resource instead of
#     creating one (a re-added subscriber's new queue is never made). AWS creates it.
def _stack_updates() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack
    from moto.cloudformation.utils import get_stack_from_s3_url
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.utilities.utils import get_partition

    def update_nested(cls, original_resource: Stack, new_resource_name: str, cloudformation_json: Any,
                      account_id: str, region_name: str) -> Stack:
        props = cloudformation_json["Properties"]
        body = get_stack_from_s3_url(props["TemplateURL"], account_id=account_id,
                                     partition=get_partition(region_name))
        original_resource.update(body, parameters=props.get("Parameters", {}))
        return original_resource

    Stack.update_from_cloudformation_json = classmethod(update_nested)

    original_update = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                  account_id: str, region_name: str) -> Any:
        updated = original_update(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None:
            return resources_map._parsed_resources.get(logical_id)
        return updated

    parsing.parse_and_update_resource = parse_and_update_resource

    replace_group = SecurityGroup.update_from_cloudformation_json.__func__

    def update_group(cls, original_resource: SecurityGroup, new_resource_name: str,
                     cloudformation_json: Any, account_id: str, region_name: str) -> SecurityGroup:
        props = cloudformation_json["Properties"]
        if (props.get("GroupDescription") != original_resource.description
                or props.get("VpcId") != original_resource.vpc_id):
            return replace_group(cls, original_resource, new_resource_name, cloudformation_json,
                                 account_id, region_name)
        backend = ec2_backends[account_id][region_name]
        group = original_resource
        group.ingress_rules = []
        for rule in props.get("SecurityGroupIngress") or []:
            source = {"GroupId": rule["SourceSecurityGroupId"]} if rule.get("SourceSecurityGroupId") else None
            backend.authorize_security_group_ingress(
                group_name_or_id=group.id, ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort"), to_port=rule.get("ToPort"),
                ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                source_groups=[source] if source else [], vpc_id=group.vpc_id,
            )
        if "SecurityGroupEgress" in props:
            group.egress_rules = []
            for rule in props["SecurityGroupEgress"] or []:
                backend.authorize_security_group_egress(
                    group_name_or_id=group.id, ip_protocol=str(rule["IpProtocol"]),
                    from_port=rule.get("FromPort"), to_port=rule.get("ToPort"),
                    ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                    source_groups=([{"GroupId": rule["DestinationSecurityGroupId"]}]
                                   if rule.get("DestinationSecurityGroupId") else []),
                    vpc_id=group.vpc_id,
                )
        return group

    SecurityGroup.update_from_cloudformation_json = classmethod(update_group)

    original_delete = parsing.ResourceMap._delete_resource

    def _delete_resource(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        if resource_json.get("DeletionPolicy") == "Retain":
            return
        original_delete(self, parsed_resource, resource_json)

    parsing.ResourceMap._delete_resource = _delete_resource

    original_map_update = parsing.ResourceMap.update

    def update_map(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        gone = set(self._resource_json_map) - set(template.get("Resources") or {})
        original_map_update(self, template, parameters)
        for logical_id in gone:
            self._parsed_resources.pop(logical_id, None)

    parsing.ResourceMap.update = update_map


# Classes above become CloudFormation types by subclassing CloudFormationModel;
# moto caches the list of subclasses on first use, so the cache is dropped.
_ADDED_MODELS: list[type] = []


# --- Gap 21 ------------------------------------------------------------------
# AWS::SQS::QueuePolicy is not a CloudFormation type in moto: the policy that lets
# SNS deliver to a subscription queue would silently vanish. This model sets the
# document as each listed queue's Policy attribute through moto's SQS backend, so
# GetQueueAttributes returns it as AWS does.
def _sqs_queue_policy() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.sqs.models import sqs_backends

    class QueuePolicy(CloudFormationModel):
        __module__ = "moto.sqs.models"  # moto files models by the module they live in

        def __init__(self, queue_urls: list[str], physical_id: str):
            self.queue_urls = queue_urls
            self.physical_id = physical_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SQS::QueuePolicy"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        @property
        def physical_resource_id(self) -> str:
            return self.physical_id

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            document = props["PolicyDocument"]
            backend = sqs_backends[account_id][region_name]
            for url in props["Queues"]:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1],
                                             {"Policy": json.dumps(document)})
            return cls(list(props["Queues"]), resource_name)

        def delete(self, account_id: str, region_name: str) -> None:
            backend = sqs_backends[account_id][region_name]
            for url in self.queue_urls:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": ""})

    _ADDED_MODELS.append(QueuePolicy)


# --- Gap 22 ------------------------------------------------------------------
# AWS::SNS::Subscription is not a CloudFormation type in moto: a topic's
# subscriptions silently vanish. This model subscribes through moto's SNS
# backend and sets the filter policy (and raw delivery) as attributes, as AWS
# does; its Ref is the subscription ARN.
def _sns_subscription() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import sns_backends

    class Subscription(CloudFormationModel):
        __module__ = "moto.sns.models"  # moto files models by the module they live in

        def __init__(self, arn: str):
            self.arn = arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Arn":
                return self.arn
            raise NotImplementedError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            props = cloudformation_json["Properties"]
            backend = sns_backends[account_id][region_name]
            subscription = backend.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
            if props.get("FilterPolicy"):
                backend.set_subscription_attributes(
                    subscription.arn, "FilterPolicy", json.dumps(props["FilterPolicy"]))
            if "RawMessageDelivery" in props:
                backend.set_subscription_attributes(
                    subscription.arn, "RawMessageDelivery", str(props["RawMessageDelivery"]).lower())
            return cls(subscription.arn)

        def delete(self, account_id: str, region_name: str) -> None:
            sns_backends[account_id][region_name].unsubscribe(self.arn)

    _ADDED_MODELS.append(Subscription)


# --- Gap 23 ------------------------------------------------------------------
# AWS::CloudWatch::Alarm is not a CloudFormation type in moto: alarms (here the
# queue wake-up alarm of a worker that scales from zero) silently vanish. This
# model calls moto's PutMetricAlarm with the metric-math queries, as the API does.
def _cloudwatch_alarm() -> None:
    from moto.cloudwatch.models import (Dimension, Metric, MetricDataQuery, MetricStat,
                                        cloudwatch_backends)
    from moto.core.common_models import CloudFormationModel

    def query(entry: dict) -> Any:
        stat = entry.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"], namespace=metric["Namespace"],
                    dimensions=[Dimension(name=d["Name"], value=d["Value"])
                                for d in metric.get("Dimensions", [])],
                ),
                period=stat.get("Period"), stat=stat.get("Stat"), unit=stat.get("Unit"),
            )
        return MetricDataQuery(
            query_id=entry["Id"], label=entry.get("Label"), period=entry.get("Period"),
            return_data=entry.get("ReturnData"), expression=entry.get("Expression"),
            metric_stat=metric_stat,
        )

    class Alarm(CloudFormationModel):
        __module__ = "moto.cloudwatch.models"  # moto files models by the module they live in

        def __init__(self, alarm: Any):
            self.alarm = alarm

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        @property
        def physical_resource_id(self) -> str:
            return self.alarm.name

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Arn":
                return self.alarm.alarm_arn
            raise NotImplementedError(attribute_name)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            p = cloudformation_json["Properties"]
            alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=p.get("AlarmName", resource_name),
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                metric_data_queries=[query(q) for q in p["Metrics"]] if p.get("Metrics") else None,
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=int(p["EvaluationPeriods"]),
                datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
                period=p.get("Period"),
                threshold=float(p["Threshold"]),
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription"),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                unit=p.get("Unit"),
                treat_missing_data=p.get("TreatMissingData"),
            )
            return cls(alarm)

        def delete(self, account_id: str, region_name: str) -> None:
            cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])

    _ADDED_MODELS.append(Alarm)


# --- Gap 24 ------------------------------------------------------------------
# Security group rules as resources of their own (the services' port rules and the
# ALB's egress per port). (a) AWS::EC2::SecurityGroupEgress is not a CloudFormation
# type in moto. (b) A standalone AWS::EC2::SecurityGroupIngress is never revoked:
# removing it, or replacing it (its port is create-only), leaves the old rule, and
# a changed Description is not applied; its source-group rule loses its
# Description. (c) Gap 20's group update replaced all of a group's rules with its
# inline ones, so it revoked the rule resources too; AWS revokes only the inline
# rules the template no longer lists. Here a group remembers which of its rules are
# inline, and a rule resource adds, revokes and replaces exactly its own rule.
def _security_group_rules() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupIngress

    def rule_args(props: dict, peer_key: str) -> dict:
        description = props.get("Description")
        peer = props.get(peer_key)
        return {
            "ip_protocol": str(props["IpProtocol"]), "from_port": props.get("FromPort"),
            "to_port": props.get("ToPort"),
            "ip_ranges": ([{"CidrIp": props["CidrIp"], **({"Description": description} if description else {})}]
                          if props.get("CidrIp") else []),
            "source_groups": ([{"GroupId": peer, **({"Description": description} if description else {})}]
                              if peer else []),
        }

    class Rule:
        """One rule a rule resource added to a group: (group, direction, rule id)."""

        def __init__(self, group_id: str, direction: str, rule_id: str):
            self.group_id, self.direction, self.rule_id = group_id, direction, rule_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @property
        def physical_resource_id(self) -> str:
            return self.rule_id

        def is_created(self) -> bool:
            return True

        @classmethod
        def add(cls, props: dict, direction: str, account_id: str, region_name: str) -> "Rule":
            backend = ec2_backends[account_id][region_name]
            [group] = backend.describe_security_groups(group_ids=[props["GroupId"]])
            before = {r.id for r in getattr(group, f"{direction}_rules")}
            authorize = getattr(backend, f"authorize_security_group_{direction}")
            peer = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
            authorize(group_name_or_id=group.id, vpc_id=group.vpc_id, **rule_args(props, peer))
            added = [r.id for r in getattr(group, f"{direction}_rules") if r.id not in before]
            return cls(group.id, direction, added[0] if added else "")

        def delete(self, account_id: str, region_name: str) -> None:
            [group] = ec2_backends[account_id][region_name].describe_security_groups(group_ids=[self.group_id])
            setattr(group, f"{self.direction}_rules",
                    [r for r in getattr(group, f"{self.direction}_rules") if r.id != self.rule_id])

        @classmethod
        def replace(cls, original: "Rule", cloudformation_json: Any, account_id: str,
                    region_name: str) -> "Rule":
            # Create-only properties changed (or only the Description). On AWS the new rule
            # comes first and the old one goes in the cleanup phase, which moto does not
            # have; the old one goes first here, so an unchanged rule is no duplicate.
            original.delete(account_id, region_name)
            return cls.add(cloudformation_json["Properties"], original.direction, account_id, region_name)

    class Egress(Rule, CloudFormationModel):
        __module__ = "moto.ec2.models.security_groups"  # moto files models by the module they live in

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::EC2::SecurityGroupEgress"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            return cls.add(cloudformation_json["Properties"], "egress", account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                            cloudformation_json: Any, account_id: str, region_name: str) -> Any:
            return cls.replace(original_resource, cloudformation_json, account_id, region_name)

    _ADDED_MODELS.append(Egress)

    def create_ingress(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                       region_name: str, **kwargs: Any) -> Any:
        return Rule.add(cloudformation_json["Properties"], "ingress", account_id, region_name)

    def update_ingress(cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                       account_id: str, region_name: str) -> Any:
        return Rule.replace(original_resource, cloudformation_json, account_id, region_name)

    SecurityGroupIngress.create_from_cloudformation_json = classmethod(create_ingress)
    SecurityGroupIngress.update_from_cloudformation_json = classmethod(update_ingress)

    # (c): which rules are the group's own, recorded after every create and update
    create_group = SecurityGroup.create_from_cloudformation_json.__func__
    update_group = SecurityGroup.update_from_cloudformation_json.__func__

    def own(group: SecurityGroup) -> None:
        group.inline_rule_ids = {r.id for r in group.ingress_rules + group.egress_rules}

    def create(cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> SecurityGroup:
        group = create_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        own(group)
        return group

    def update(cls, original_resource: SecurityGroup, new_resource_name: str, cloudformation_json: Any,
               account_id: str, region_name: str) -> SecurityGroup:
        inline = getattr(original_resource, "inline_rule_ids", set())
        others = {d: [r for r in getattr(original_resource, f"{d}_rules") if r.id not in inline]
                  for d in ("ingress", "egress")}
        group = update_group(cls, original_resource, new_resource_name, cloudformation_json,
                             account_id, region_name)
        if group is original_resource:   # updated in place: the rule resources' rules stay
            for direction, rules in others.items():
                present = {r.id for r in getattr(group, f"{direction}_rules")}
                kept = [r for r in rules if r.id not in present]
                own_now = [r for r in getattr(group, f"{direction}_rules") if r.id not in {k.id for k in rules}]
                setattr(group, f"{direction}_rules", own_now + kept)
        group.inline_rule_ids = {r.id for d in ("ingress", "egress") for r in getattr(group, f"{d}_rules")
                                 if r.id not in {k.id for k in others[d]}}
        return group

    SecurityGroup.create_from_cloudformation_json = classmethod(create)
    SecurityGroup.update_from_cloudformation_json = classmethod(update)


def _refresh_model_registry() -> None:
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    known = parsing.get_model_map()
    for model in _ADDED_MODELS:
        assert known[model.cloudformation_type()] is model, model


PATCHES = {
    "nested-stack-outputs": _nested_stack_outputs,          # gap 1
    "change-set-outputs": _change_set_outputs,              # gap 2
    "intrinsics": _intrinsics,                              # gap 3
    "ecs-cluster": _ecs_cluster,                            # gap 4
    "ecs-task-definition": _ecs_task_definition,            # gap 5
    "ecs-service": _ecs_service,                            # gap 6
    "elbv2": _elbv2,                                        # gap 7
    "service-discovery": _service_discovery,                # gap 8
    "application-autoscaling": _application_autoscaling,    # gap 9
    "route-table-association": _subnet_route_table_association,  # gap 10
    "s3-bucket-policy": _s3_bucket_policy,                  # gap 11
    "target-group-deregistration-delay": _target_group_deregistration_delay,  # gap 12
    "iam-role": _iam_role,                                  # gap 13
    "elb-access-log-delivery": _elb_access_log_delivery,    # gap 14
    "s3-bucket": _s3_bucket,                                # gap 15
    "security-group-egress": _security_group_egress,        # gap 16
    "ec2-tags": _ec2_tags,                                  # gap 17
    "pseudo-parameters": _pseudo_parameters,                # gap 18
    "efs": _efs,
    "acm-certificate": _acm_certificate,
    "listener-certificate": _listener_certificate,
    "security-group-validation": _security_group_validation,  # gap 19
    "stack-updates": _stack_updates,                        # gap 20
    "sqs-queue-policy": _sqs_queue_policy,                  # gap 21
    "sns-subscription": _sns_subscription,                  # gap 22
    "cloudwatch-alarm": _cloudwatch_alarm,                  # gap 23
    "security-group-rules": _security_group_rules,          # gap 24
}


# =============================================================================
# Added for `fargate-compile deploy` (#27), kept apart from the gaps above.
# =============================================================================

# --- Gap 25 (deploy-events) --------------------------------------------------
# Change set execution as `fargate-compile deploy` watches it. Measured against moto 5.2.5:
# (a) a stack's events are only the stack's own (CREATE_IN_PROGRESS, CREATE_COMPLETE...):
#     no event per resource, so no progress can be shown. AWS writes <ACTION>_IN_PROGRESS
#     and <ACTION>_COMPLETE per resource. Each resource created or updated now gets both.
# (b) a resource that fails makes ExecuteChangeSet itself fail (an HTTP error: "TODO:
#     handle execution errors and implement rollback"), with no event and the stack left
#     in progress. AWS accepts the execution, then writes <ACTION>_FAILED with the reason
#     on the resource, "Embedded stack ... was not successfully created" on a nested
#     stack's resource in its parent, and rolls back: ROLLBACK_COMPLETE for a create
#     (every resource deleted), UPDATE_ROLLBACK_COMPLETE for an update. Now the failure
#     is recorded the same way and the execution returns normally; a failed create
#     deletes what it made. A failed update is marked rolled back but keeps what moto
#     changed (moto cannot undo an update; the deploy tests read only the status then).
def _deploy_events() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Event, cloudformation_backends

    def stack_of(resources_map: Any, account_id: str, region_name: str) -> Any:
        return cloudformation_backends[account_id][region_name].stacks.get(resources_map.stack_id)

    def record(stack: Any, logical_id: str, kind: str, status: str, reason: str | None = None,
               physical: str = "") -> None:
        if stack is not None:
            stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                                      physical_resource_id=physical, resource_type=kind, resource_status=status,
                                      resource_status_reason=reason, resource_properties=None))

    def with_events(original: Any, action: str) -> Any:
        def run(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                region_name: str) -> Any:
            stack = stack_of(resources_map, account_id, region_name)
            kind = resource_json.get("Type", "?")
            record(stack, logical_id, kind, f"{action}_IN_PROGRESS")
            try:
                made = original(logical_id, resource_json, resources_map, account_id, region_name)
            except Exception as exc:
                failed = getattr(exc, "_fc_failed", None)
                if kind == "AWS::CloudFormation::Stack" and failed:
                    reason = (f"Embedded stack {logical_id} was not successfully "
                              f"{'created' if action == 'CREATE' else 'updated'}: The following resource(s) "
                              f"failed to {action.lower()}: [{failed}]. ")
                    inner = _nested(resources_map, stack, logical_id, account_id, region_name)
                    if inner is not None:
                        _rolled_back(inner, action)
                        if action == "CREATE":  # the parent's rollback deletes the failed child
                            _delete(cloudformation_backends[account_id][region_name], inner)
                    record(stack, logical_id, kind, f"{action}_FAILED", reason,
                           physical=inner.stack_id if inner is not None else "")
                    exc._fc_failed = logical_id
                elif not failed:
                    record(stack, logical_id, kind, f"{action}_FAILED", f"{type(exc).__name__}: {exc}")
                    exc._fc_failed = logical_id
                raise
            if made is not None:  # a nested stack's physical ID is its ARN on AWS
                physical = made.stack_id if kind == "AWS::CloudFormation::Stack" else made.physical_resource_id
                record(stack, logical_id, kind, f"{action}_COMPLETE", physical=str(physical or ""))
            return made

        return run

    parsing.parse_and_create_resource = with_events(parsing.parse_and_create_resource, "CREATE")
    parsing.parse_and_update_resource = with_events(parsing.parse_and_update_resource, "UPDATE")

    def _nested(resources_map: Any, parent: Any, logical_id: str, account_id: str, region_name: str) -> Any:
        """The nested stack a failed AWS::CloudFormation::Stack resource was making or updating."""
        known = resources_map._parsed_resources.get(logical_id)
        if known is not None and hasattr(known, "stack_id"):
            return known
        prefix = f"{parent.name}-{logical_id}-" if parent is not None else None
        for candidate in cloudformation_backends[account_id][region_name].stacks.values():
            if (candidate.name == logical_id or (prefix and candidate.name.startswith(prefix))) \
                    and candidate.status.endswith("IN_PROGRESS"):
                return candidate
        return None

    def _delete(backend: Any, stack: Any) -> None:
        try:
            backend.delete_stack(stack.stack_id)
        except Exception:  # noqa: BLE001 - moto trips over what the rollback deleted already
            backend.stacks.pop(stack.stack_id, None)
            backend.deleted_stacks[stack.stack_id] = stack
            stack._add_stack_event("DELETE_COMPLETE")
            stack.status = "DELETE_COMPLETE"

    def _rolled_back(stack: Any, action: str) -> None:
        prefix = "" if action == "CREATE" else "UPDATE_"
        stack._add_stack_event(f"{prefix}ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) "
                               "failed: see the events above")
        if action == "CREATE":
            try:
                stack.resource_map.delete()
            except Exception:  # noqa: BLE001 - what moto cannot delete stays; AWS would report DELETE_FAILED
                pass
        stack._add_stack_event(f"{prefix}ROLLBACK_COMPLETE")
        stack.status = f"{prefix}ROLLBACK_COMPLETE"

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as exc:  # noqa: BLE001 - recorded as AWS records it; the call itself succeeds
            stack = self.stacks[change_set.stack_id]
            action = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
            if not getattr(exc, "_fc_failed", None):
                stack._add_stack_event(f"{action}_FAILED", resource_status_reason=f"{type(exc).__name__}: {exc}")
            stack.template = change_set.template if action == "CREATE" else stack.template
            _rolled_back(stack, action)
            change_set.execution_status = "EXECUTE_FAILED"

    CloudFormationBackend.execute_change_set = execute_change_set


PATCHES["deploy-events"] = _deploy_events                   # gap 25
