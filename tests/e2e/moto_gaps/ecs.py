"""Gaps of moto's ECS models: properties dropped from clusters, task definitions and services."""

from __future__ import annotations

from typing import Any

from .base import replace, wrap


def _api_shape(properties: Any) -> Any:
    """CloudFormation's PascalCase property keys -> the camelCase keys of the ECS API."""
    from moto.core.utils import pascal_to_camelcase, remap_nested_keys

    return remap_nested_keys(properties, pascal_to_camelcase)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# --- Gap 4 -------------------------------------------------------------------
# AWS::ECS::Cluster: moto keeps the name only; ClusterSettings,
# CapacityProviders, DefaultCapacityProviderStrategy, Configuration,
# ServiceConnectDefaults and Tags are dropped.
def cluster() -> None:
    from moto.ecs.models import Cluster, ecs_backends

    @replace(Cluster, "create_from_cloudformation_json")
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


# --- Gap 5 -------------------------------------------------------------------
# AWS::ECS::TaskDefinition: moto registers family, containers, volumes and
# memory only; Cpu, NetworkMode, RequiresCompatibilities, ExecutionRoleArn,
# TaskRoleArn, RuntimePlatform, EphemeralStorage, PidMode, IpcMode and Tags
# are dropped (so a Fargate task definition reads back as bridge-mode EC2).
def task_definition() -> None:
    from moto.ecs.models import TaskDefinition, ecs_backends

    @replace(TaskDefinition, "create_from_cloudformation_json")
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
def service() -> None:
    from moto.ecs.models import Service, ecs_backends

    @replace(Service, "create_from_cloudformation_json")
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


# --- Gap 33 ------------------------------------------------------------------
# AWS::ECS::Service updates: moto's update_from_cloudformation_json passes the
# task definition and desired count to UpdateService and drops LoadBalancers
# ("TODO: LoadBalancers"); ECS's UpdateService takes new load balancers for a
# rolling deployment, and CloudFormation updates the property in place. Keep the
# template's load balancers on the updated service.
def service_update_load_balancers() -> None:
    from moto.ecs.models import Service

    @wrap(Service, "update_from_cloudformation_json")
    def update(original: Any, cls: type, original_resource: Any, new_resource_name: str,
               cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Service:
        service = original(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                           region_name, **kwargs)
        props = cloudformation_json.get("Properties", {})
        if "LoadBalancers" in props:
            service.load_balancers = _api_shape(props).get("loadBalancers", [])
        return service
