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
task definition, the task security group and its ingress rules (resources of their
own, see _ingress), the ECS service, and when asked a Cloud Map service and
Application Auto Scaling target with target-tracking policies.
A template declares only the wired Parameters it uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troposphere import GetAtt, Join, Ref, Sub, Template
from troposphere import applicationautoscaling as aas
from troposphere import cloudwatch, ec2, ecs, iam, logs, servicediscovery

from compiler.stacks import iam as policies
from compiler import model as m
from compiler.state import naming
from compiler.state.placement import FIRST_STACK, SERVICES_PER_STACK, stem  # noqa: F401 (re-exported)
from compiler.stacks import common, messaging, scanner_skips, storage

ANYWHERE = "0.0.0.0/0"
# Scale out fast, scale in carefully (the defaults AWS Copilot uses).
SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 120

# Per-service logical ID suffixes. None is a word-boundary tail of another (nor of a
# stack-level ID such as "ServicesSecurityGroup"), so no two services' IDs can collide.
LOG_GROUP = "LogGroup"
EXECUTION_ROLE = "ExecutionRole"
TASK_ROLE = "TaskRole"
TASK_DEFINITION = "TaskDefinition"
TASK_SECURITY_GROUP = "TaskSecurityGroup"
ECS_SERVICE = "EcsService"
DISCOVERY_SERVICE = "DiscoveryService"
LOAD_BALANCER_INGRESS = "LoadBalancerIngress"
SERVICES_INGRESS = "ServicesIngress"
SCALABLE_TARGET = "ScalableTarget"
SCALING_POLICIES = {  # suffix -> (predefined metric, Scaling field)
    "CpuScaling": ("ECSServiceAverageCPUUtilization", "cpu_percentage"),
    "MemoryScaling": ("ECSServiceAverageMemoryUtilization", "memory_percentage"),
    "RequestsScaling": ("ALBRequestCountPerTarget", "requests"),
}


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

    if app.services:
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
    # A service's logical-ID key is kept stable by the placement lock (compiler/state/placement.py);
    # a job's is its name.
    pid = getattr(workload, "key", None) or naming.pascal(workload.name)
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
        GroupDescription=f"Tasks of {workload.name} ({app.stack_name})",
        VpcId=wire("VpcId"),
        # No inline ingress: a service's rules are resources of their own (_ingress); a job's
        # task admits nothing.
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
        ],
        Tags=tags,
    ))
    nfs_rule = storage.nfs_ingress(t, wire, workload, security_group)
    return Task(log_group, execution_role, task_role, task_definition, security_group, nfs_rule)


def _service(app: m.App, t: Template, wire: _Wiring, svc: m.Service, peers: dict[str, str]) -> None:
    pid = svc.key
    svc_tags = common.tags(app, f"{app.stack_name}-{svc.name}", **{"fargate-compile:service": svc.name})
    env, statements = messaging.service_wiring(svc, wire)
    task = task_resources(app, t, wire, svc, svc_tags, env, statements)
    task_definition, task_sg, nfs_rule = task.task_definition, task.security_group, task.nfs_rule
    ingress = _ingress(app, t, svc, wire, task_sg)

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
        service_props["LoadBalancers"] = [ecs.LoadBalancer(
            ContainerName=svc.name,
            ContainerPort=svc.port,
            TargetGroupArn=wire(f"{pid}TargetGroupArn"),
        )]
        service_props["HealthCheckGracePeriodSeconds"] = svc.http.healthcheck.grace_period
    if app.uses_connect:
        service_props["ServiceConnectConfiguration"] = _service_connect(svc, wire)
    if svc.discovery:
        discovery = t.add_resource(servicediscovery.Service(
            pid + DISCOVERY_SERVICE,
            Name=svc.name,
            Description=f"A records of the {svc.name} tasks",
            NamespaceId=wire("NamespaceId"),
            DnsConfig=servicediscovery.DnsConfig(
                DnsRecords=[servicediscovery.DnsRecord(Type="A", TTL=10)],
                RoutingPolicy="MULTIVALUE",
            ),
            HealthCheckCustomConfig=servicediscovery.HealthCheckCustomConfig(FailureThreshold=1),
            Tags=svc_tags,
        ))
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
        DeploymentConfiguration=ecs.DeploymentConfiguration(
            MinimumHealthyPercent=svc.deployment.min_healthy_percent,
            MaximumPercent=svc.deployment.max_percent,
            DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(
                Enable=True, Rollback=svc.deployment.rollback,
            ),
        ),
        EnableExecuteCommand=svc.exec,
        EnableECSManagedTags=True,
        PropagateTags="SERVICE",
        Tags=svc_tags,
        **service_props,
    ))

    if svc.scaling:
        _autoscaling(app, t, wire, svc, service, svc_tags)


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


def _vpc_destination(app: m.App, wire: _Wiring) -> dict[str, Any]:
    """Where a task's TCP egress inside the VPC goes: the VPC cidr when known; in an existing
    VPC of unknown cidr, the app's own tasks (the security group they all wear)."""
    if app.network.cidr is not None:
        return {"CidrIp": wire("VpcCidr")}
    return {"DestinationSecurityGroupId": wire("TasksSecurityGroupId")}


def port_name(container: str, port: int) -> str:
    """A port mapping's name; Service Connect refers to the main port by it."""
    return f"{container}-{port}"


def _ingress(app: m.App, t: Template, svc: m.Service, wire: _Wiring,
             task_sg: ec2.SecurityGroup) -> list[str]:
    """The task group's ingress on the container port (from the ALB; from the other services
    with connect or discovery), as resources of their own: logical IDs of the rules made.

    Not the group's inline rules: on a port change CloudFormation would revoke the old
    port's rule as it updates the group, before the ECS service's rolling deployment, and
    the old tasks would drop out of the ALB (and out of reach of the other services) until
    new ones pass their health checks. The port is create-only on an ingress resource: the
    new port's rule is created first, and the old one deleted in the cleanup phase, after
    the deployment is done.
    """
    sources = []
    if app.load_balancer and svc.http:
        sources.append((LOAD_BALANCER_INGRESS, "AlbSecurityGroupId",
                        f"From the load balancer to {svc.name}:{svc.port}"))
    if svc.connect or svc.discovery:
        # No apostrophe: EC2 refuses it in rule descriptions (compiler/lint/rules E9001).
        sources.append((SERVICES_INGRESS, "ServicesSecurityGroupId",
                        f"From the other services of the app to {svc.name}:{svc.port}"))
    made = []
    for suffix, source, text in sources:
        made.append(t.add_resource(ec2.SecurityGroupIngress(
            svc.key + suffix,
            GroupId=GetAtt(task_sg, "GroupId"),
            IpProtocol="tcp", FromPort=svc.port, ToPort=svc.port,
            SourceSecurityGroupId=wire(source),
            Description=naming.ec2_description(text),
        )).title)
    return made


def connect_discovery_name(svc: m.Service) -> str:
    """The Cloud Map service Service Connect registers the service under.

    Normally the alias. With `discovery: true` too, the DNS A-record service is
    already named after the service, so a same-named Service Connect service would
    collide in the namespace: it then gets a "-connect" suffix. Clients still use the
    alias (the client alias below), so nothing changes for them.
    """
    alias = svc.connect.alias
    return f"{alias}-connect" if svc.discovery and alias == svc.name else alias


def _service_connect(svc: m.Service, wire: _Wiring) -> ecs.ServiceConnectConfiguration:
    props: dict[str, Any] = {}
    if svc.connect:
        props["Services"] = [ecs.ServiceConnectService(
            PortName=port_name(svc.name, svc.port),
            DiscoveryName=connect_discovery_name(svc),
            ClientAliases=[ecs.ServiceConnectClientAlias(Port=svc.port, DnsName=svc.connect.alias)],
        )]
    # Services without `connect` are clients only: they resolve the others' aliases.
    return ecs.ServiceConnectConfiguration(Enabled=True, Namespace=wire("NamespaceArn"), **props)


def _autoscaling(app: m.App, t: Template, wire: _Wiring, svc: m.Service,
                 service: ecs.Service, svc_tags) -> None:
    pid = svc.key
    scaling = svc.scaling
    # No RoleARN: Application Auto Scaling uses its ECS service-linked role.
    target = t.add_resource(aas.ScalableTarget(
        pid + SCALABLE_TARGET,
        ServiceNamespace="ecs",
        ScalableDimension="ecs:service:DesiredCount",
        ResourceId=Sub("service/${ClusterName}/${ServiceName}",
                       ClusterName=wire("ClusterName"), ServiceName=GetAtt(service, "Name")),
        MinCapacity=scaling.min,
        MaxCapacity=scaling.max,
        Tags=svc_tags,
    ))
    for suffix, (metric, attribute) in SCALING_POLICIES.items():
        value = getattr(scaling, attribute)
        if value is None:
            continue
        spec: dict[str, Any] = {"PredefinedMetricType": metric}
        if metric == "ALBRequestCountPerTarget":
            spec["ResourceLabel"] = Join("/", [wire("LoadBalancerFullName"),
                                              wire(f"{pid}TargetGroupFullName")])
        t.add_resource(aas.ScalingPolicy(
            pid + suffix,
            PolicyName=naming.shorten(f"{app.stack_name}-{svc.name}-{suffix}", 256),
            PolicyType="TargetTrackingScaling",
            ScalingTargetId=Ref(target),
            TargetTrackingScalingPolicyConfiguration=aas.TargetTrackingScalingPolicyConfiguration(
                PredefinedMetricSpecification=aas.PredefinedMetricSpecification(**spec),
                TargetValue=float(value),
                ScaleOutCooldown=SCALE_OUT_COOLDOWN,
                ScaleInCooldown=SCALE_IN_COOLDOWN,
            ),
        ))
    if scaling.queue is not None:
        _queue_scaling(app, t, wire, svc, service, target, svc_tags)


# Queue-backlog scaling: the metric math of AWS's "SQS queue backlog per task" example
# (Application Auto Scaling user guide), with the running-task count read as at least 1
# so the division is defined with no task running (FILL: Container Insights may report
# nothing for a service at zero tasks).
BACKLOG_PER_TASK = "IF(FILL(running, 0) > 0, visible / FILL(running, 0), visible)"
# With no task running and messages waiting: 1, else 0 (the wake-up alarm's metric).
WAKE_UP = "IF(visible > 0 AND FILL(running, 0) == 0, 1, 0)"
QUEUE_SCALING = "QueueScaling"
QUEUE_WAKE_UP = "QueueWakeUp"
QUEUE_WAKE_UP_ALARM = "QueueWakeUpAlarm"


def _queue_metrics(wire: _Wiring, svc: m.Service, service: ecs.Service, kind: type,
                   stat_kind: type, metric_kind: type, dimension: type, period: int | None = None):
    pid = naming.pascal(svc.name)
    stat_props = {"Period": period} if period else {}
    return [
        kind(Id="visible", ReturnData=False, MetricStat=stat_kind(
            Metric=metric_kind(
                Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
                Dimensions=[dimension(Name="QueueName", Value=wire(pid + "QueueName"))],
            ),
            Stat="Sum", **stat_props,
        )),
        kind(Id="running", ReturnData=False, MetricStat=stat_kind(
            Metric=metric_kind(
                Namespace="ECS/ContainerInsights", MetricName="RunningTaskCount",
                Dimensions=[dimension(Name="ClusterName", Value=wire("ClusterName")),
                            dimension(Name="ServiceName", Value=GetAtt(service, "Name"))],
            ),
            Stat="Average", **stat_props,
        )),
    ]


def _queue_scaling(app: m.App, t: Template, wire: _Wiring, svc: m.Service,
                   service: ecs.Service, target: aas.ScalableTarget, svc_tags) -> None:
    """Target tracking on the queue's backlog per task (latency / processing time messages),
    and, when the range starts at 0, a wake-up: an alarm on "messages wait, no task runs"
    that adds one task (target tracking computes from the running count, so it never
    leaves zero on its own)."""
    pid = naming.pascal(svc.name)
    queue = svc.scaling.queue
    metrics = _queue_metrics(wire, svc, service, aas.TargetTrackingMetricDataQuery,
                             aas.TargetTrackingMetricStat, aas.TargetTrackingMetric,
                             aas.TargetTrackingMetricDimension)
    metrics.append(aas.TargetTrackingMetricDataQuery(
        Id="backlog_per_task", Expression=BACKLOG_PER_TASK, ReturnData=True,
        Label="Visible messages per running task",
    ))
    t.add_resource(aas.ScalingPolicy(
        pid + QUEUE_SCALING,
        PolicyName=naming.shorten(f"{app.stack_name}-{svc.name}-{QUEUE_SCALING}", 256),
        PolicyType="TargetTrackingScaling",
        ScalingTargetId=Ref(target),
        TargetTrackingScalingPolicyConfiguration=aas.TargetTrackingScalingPolicyConfiguration(
            CustomizedMetricSpecification=aas.CustomizedMetricSpecification(Metrics=metrics),
            TargetValue=float(queue.backlog_per_task),
            ScaleOutCooldown=SCALE_OUT_COOLDOWN,
            ScaleInCooldown=SCALE_IN_COOLDOWN,
        ),
    ))
    if svc.scaling.min > 0:
        return
    wake_up = t.add_resource(aas.ScalingPolicy(
        pid + QUEUE_WAKE_UP,
        PolicyName=naming.shorten(f"{app.stack_name}-{svc.name}-{QUEUE_WAKE_UP}", 256),
        PolicyType="StepScaling",
        ScalingTargetId=Ref(target),
        StepScalingPolicyConfiguration=aas.StepScalingPolicyConfiguration(
            AdjustmentType="ChangeInCapacity",
            Cooldown=SCALE_OUT_COOLDOWN,
            MetricAggregationType="Maximum",
            StepAdjustments=[aas.StepAdjustment(MetricIntervalLowerBound=0, ScalingAdjustment=1)],
        ),
    ))
    alarm_metrics = _queue_metrics(wire, svc, service, cloudwatch.MetricDataQuery,
                                   cloudwatch.MetricStat, cloudwatch.Metric,
                                   cloudwatch.MetricDimension, period=60)
    alarm_metrics.append(cloudwatch.MetricDataQuery(
        Id="waiting_without_tasks", Expression=WAKE_UP, ReturnData=True,
        Label="Messages wait and no task runs",
    ))
    t.add_resource(cloudwatch.Alarm(
        pid + QUEUE_WAKE_UP_ALARM,
        AlarmDescription=f"{svc.name}: messages wait in its queue and no task runs; start one",
        Metrics=alarm_metrics,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=1,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        TreatMissingData="notBreaching",
        AlarmActions=[Ref(wake_up)],
        Tags=svc_tags,
    ))
