"""The task of a workload (a service's or a job's): log group, execution and task roles,
task definition with its containers, and the task security group.

services.py and jobs.py build one per workload; logical IDs start with the workload's key
(a service's, see placement.py; a job's PascalCase name). The task group's egress is
here; a service's ingress rules are resources of their own (services_network.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from troposphere import GetAtt, Ref, Template
from troposphere import ec2, ecs, iam, logs

from compiler.stacks import iam as policies
from compiler import model as m
from compiler.state import naming
from compiler.stacks import common, scanner_skips, storage

ANYWHERE = "0.0.0.0/0"

# Per-workload logical ID suffixes (with those of services.py, services_network.py and
# services_scaling.py). None is a word-boundary tail of another (nor of a stack-level ID
# such as "ServicesSecurityGroup"), so no two services' IDs can collide.
LOG_GROUP = "LogGroup"
EXECUTION_ROLE = "ExecutionRole"
TASK_ROLE = "TaskRole"
TASK_DEFINITION = "TaskDefinition"
TASK_SECURITY_GROUP = "TaskSecurityGroup"


@dataclass(frozen=True)
class Task:
    """The resources of one workload's task (a service's or a job's)."""

    log_group: logs.LogGroup
    execution_role: iam.Role
    task_role: iam.Role
    task_definition: ecs.TaskDefinition
    security_group: ec2.SecurityGroup
    nfs_rule: str | None              # logical ID of the NFS ingress rule on the file system's group


def task_resources(app: m.App, t: Template, wire: Any, workload: Any, tags: Any,
                   extra_env: dict[str, Any] | None = None, task_statements: tuple = ()) -> Task:
    """Log group, execution and task roles, task definition and task security group of a
    service or a job (both carry the task fields the builders read; see model._TaskFields).

    `extra_env` adds environment variables the compiler wires in (topic ARNs, the queue
    URL); `task_statements` adds task-role statements for them (awacs Statements).
    """
    pid = common.workload_key(workload)
    log_group = t.add_resource(scanner_skips.apply(logs.LogGroup(
        pid + LOG_GROUP,
        RetentionInDays=workload.log_retention_days,
        Tags=tags,
        **common.retain(app),
    ), scanner_skips.LOG_GROUP_KMS))
    execution_role = t.add_resource(iam.Role(
        pid + EXECUTION_ROLE,
        AssumeRolePolicyDocument=policies.ecs_tasks_trust(),
        Policies=[iam.Policy(
            PolicyName="execution",
            PolicyDocument=policies.execution_policy(workload, GetAtt(log_group, "Arn")),
        )],
        Tags=tags,
    ))
    volumes = storage.volume_resources(app, t, wire, workload, tags)
    task_role_props: dict[str, Any] = {}
    task_doc = policies.task_policy(workload, list(task_statements) + list(volumes.role_statements))
    if task_doc is not None:
        task_role_props["Policies"] = [iam.Policy(PolicyName="task", PolicyDocument=task_doc)]
    if workload.task_role.managed_policies:
        task_role_props["ManagedPolicyArns"] = list(workload.task_role.managed_policies)
    task_role = t.add_resource(iam.Role(
        pid + TASK_ROLE,
        AssumeRolePolicyDocument=policies.ecs_tasks_trust(),
        Tags=tags,
        **task_role_props,
    ))

    task_props: dict[str, Any] = {}
    if workload.storage.ephemeral is not None:
        task_props["EphemeralStorage"] = ecs.EphemeralStorage(SizeInGiB=workload.storage.ephemeral)
    if volumes.volumes:
        task_props["Volumes"] = volumes.volumes
    task_definition = t.add_resource(ecs.TaskDefinition(
        pid + TASK_DEFINITION,
        Family=naming.shorten(f"{app.app}-{app.environment}-{workload.name}", 255),
        NetworkMode="awsvpc",
        RequiresCompatibilities=["FARGATE"],
        Cpu=str(workload.cpu),
        Memory=str(workload.memory),
        RuntimePlatform=ecs.RuntimePlatform(
            CpuArchitecture=workload.cpu_architecture, OperatingSystemFamily="LINUX",
        ),
        ExecutionRoleArn=GetAtt(execution_role, "Arn"),
        TaskRoleArn=GetAtt(task_role, "Arn"),
        ContainerDefinitions=_containers(workload, log_group, extra_env or {}),
        Tags=tags,
        **task_props,
    ))

    security_group = t.add_resource(ec2.SecurityGroup(
        pid + TASK_SECURITY_GROUP,
        # The description is create-only: it follows the identity a rename keeps.
        GroupDescription=f"Tasks of {workload.identity or workload.name} ({app.stack_name})",
        VpcId=wire("VpcId"),
        # No inline ingress: a service's rules are resources of their own
        # (services_network.ingress); a job's task admits nothing.
        SecurityGroupIngress=[],
        SecurityGroupEgress=[
            ec2.SecurityGroupRule(
                IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp=ANYWHERE,
                Description="HTTPS out: image registries and AWS APIs",
            ),
            ec2.SecurityGroupRule(
                IpProtocol="tcp", FromPort=0, ToPort=65535, **_vpc_destination(app, wire),
                Description="TCP to the other services in the VPC",
            ),
            *_nfs_egress(app, wire, workload),
        ],
        Tags=tags,
    ))
    nfs_rule = storage.nfs_ingress(t, wire, workload, security_group)
    return Task(log_group, execution_role, task_role, task_definition, security_group, nfs_rule)


def _containers(svc: m.Service, log_group: logs.LogGroup,
                extra_env: dict[str, Any]) -> list[ecs.ContainerDefinition]:
    def log_configuration(prefix: str) -> ecs.LogConfiguration:
        return ecs.LogConfiguration(LogDriver="awslogs", Options={
            "awslogs-group": Ref(log_group),
            "awslogs-region": Ref("AWS::Region"),
            "awslogs-stream-prefix": prefix,
        })

    def common_props(variables, secrets, command, entrypoint) -> dict[str, Any]:
        props: dict[str, Any] = {}
        if variables:
            props["Environment"] = [ecs.Environment(Name=k, Value=v) for k, v in sorted(variables)]
        if secrets:
            props["Secrets"] = [ecs.Secret(Name=s.name, ValueFrom=s.value_from)
                                for s in sorted(secrets, key=lambda s: s.name)]
        if command:
            props["Command"] = list(command)
        if entrypoint:
            props["EntryPoint"] = list(entrypoint)
        return props

    main = common_props(svc.variables, svc.secrets, svc.command, svc.entrypoint)
    if extra_env:
        # Wired values (topic ARNs, queue URL) after the user's own; FC252 keeps the names apart.
        main.setdefault("Environment", []).extend(
            ecs.Environment(Name=k, Value=v) for k, v in sorted(extra_env.items()))
    if svc.port is not None:
        mapping = {"ContainerPort": svc.port, "Protocol": "tcp", "Name": port_name(svc.name, svc.port)}
        # A container that serves TLS itself (http.protocol HTTPS) is plain TCP to the
        # Service Connect proxy: "http" would make the proxy parse TLS bytes as HTTP.
        if (svc.http or svc.connect) and not (svc.http and svc.http.protocol == "HTTPS"):
            mapping["AppProtocol"] = "http"
        main["PortMappings"] = [ecs.PortMapping(**mapping)]
    if svc.nlb is not None:
        _nlb_port_mapping(svc, main)
    extra = _route_ports(svc)
    _add_port_mappings(main, svc.name, extra.get(svc.name, ()))
    if svc.healthcheck:
        hc = svc.healthcheck
        main["HealthCheck"] = ecs.HealthCheck(
            Command=list(hc.command), Interval=hc.interval, Retries=hc.retries,
            Timeout=hc.timeout, StartPeriod=hc.start_period,
        )
    if svc.user is not None:
        main["User"] = svc.user
    if svc.exec:
        # ECS Exec: an init process reaps the SSM agent's child processes.
        main["LinuxParameters"] = ecs.LinuxParameters(InitProcessEnabled=True)
    if svc.storage.volumes:
        main["MountPoints"] = storage.mount_points(svc.storage.volumes)
    containers = [ecs.ContainerDefinition(
        Name=svc.name,
        Image=svc.image,
        Essential=True,
        ReadonlyRootFilesystem=svc.storage.readonly_fs,
        Privileged=False,
        LogConfiguration=log_configuration(svc.name),
        **main,
    )]
    for sidecar in sorted(svc.sidecars, key=lambda s: s.name):
        props = common_props(sidecar.variables, sidecar.secrets, sidecar.command, sidecar.entrypoint)
        if sidecar.mount_points:
            props["MountPoints"] = storage.sidecar_mount_points(sidecar)
        if sidecar.port is not None:
            props["PortMappings"] = [ecs.PortMapping(
                ContainerPort=sidecar.port, Protocol="tcp", Name=port_name(sidecar.name, sidecar.port),
            )]
        _add_port_mappings(props, sidecar.name, extra.get(sidecar.name, ()))
        containers.append(ecs.ContainerDefinition(
            Name=sidecar.name,
            Image=sidecar.image,
            Essential=sidecar.essential,
            ReadonlyRootFilesystem=svc.storage.readonly_fs,  # the whole task (Security Hub ECS.5)
            Privileged=False,
            LogConfiguration=log_configuration(sidecar.name),
            **props,
        ))
    return containers


def _vpc_destination(app: m.App, wire: Callable[..., Any]) -> dict[str, Any]:
    """Where a task's TCP egress inside the VPC goes: the VPC cidr when known; in an existing
    VPC of unknown cidr, the app's own tasks (the security group they all wear)."""
    if app.network.cidr is not None:
        return {"CidrIp": wire("VpcCidr")}
    return {"DestinationSecurityGroupId": wire("TasksSecurityGroupId")}


def _nfs_egress(app: m.App, wire: Callable[..., Any], workload: Any) -> list[ec2.SecurityGroupRule]:
    """NFS to the managed file system's mount targets where the TCP rule above does not reach
    them: an existing VPC of unknown cidr (its TCP egress goes only to the app's own tasks).
    An existing file system there needs the cidr (FC260)."""
    if app.network.cidr is not None or not any(v.efs.managed for v in workload.efs_volumes):
        return []
    return [ec2.SecurityGroupRule(
        IpProtocol="tcp", FromPort=storage.NFS_PORT, ToPort=storage.NFS_PORT,
        DestinationSecurityGroupId=wire(storage.SECURITY_GROUP_ID),
        Description="NFS to the EFS mount targets of the app",
    )]


def _route_ports(svc: m.Service) -> dict[str, list[int]]:
    """Container name -> the ports the ALB sends to there (http.target_*, additional_rules)."""
    found: dict[str, set[int]] = {}
    if svc.http:
        targets = [(svc.http.target_container, svc.http.target_port)]
        targets += [(r.target_container, r.target_port) for r in svc.http.additional_rules]
        for container, port in targets:
            found.setdefault(container, set()).add(port)
    return {c: sorted(ports) for c, ports in found.items()}


def _add_port_mappings(props: dict[str, Any], container: str, ports) -> None:
    """A tcp mapping for each of `ports` the container does not map yet (ECS attaches a
    target group only to a mapped container port)."""
    mapped = {p.properties["ContainerPort"] for p in props.get("PortMappings", [])}
    for port in ports:
        if port not in mapped:
            props.setdefault("PortMappings", []).append(ecs.PortMapping(
                ContainerPort=port, Protocol="tcp", Name=port_name(container, port)))
            mapped.add(port)


def _nlb_port_mapping(svc: m.Service, main: dict[str, Any]) -> None:
    """The NLB's target port on the main container: the service port's mapping in the NLB's
    protocol (udp), a udp mapping beside the tcp one, or a mapping of its own."""
    nlb = svc.nlb
    mappings = main.setdefault("PortMappings", [])
    if nlb.target_port == svc.port:
        if nlb.container_protocol != "tcp" and (svc.http or svc.connect or svc.discovery):
            # The port also serves TCP (the ALB, Service Connect): a udp mapping beside the tcp
            # one, as Copilot deploys a UDP NLB on the http port.
            mappings.append(ecs.PortMapping(ContainerPort=svc.port, Protocol=nlb.container_protocol,
                                            Name=f"{port_name(svc.name, svc.port)}-udp"))
        elif nlb.container_protocol != "tcp":
            mappings[0] = ecs.PortMapping(ContainerPort=svc.port, Protocol=nlb.container_protocol,
                                          Name=port_name(svc.name, svc.port))
        return
    mappings.append(ecs.PortMapping(ContainerPort=nlb.target_port, Protocol=nlb.container_protocol,
                                    Name=port_name(svc.name, nlb.target_port)))


def port_name(container: str, port: int) -> str:
    """A port mapping's name; Service Connect refers to the main port by it."""
    return f"{container}-{port}"
