"""The spec with every default applied: frozen dataclasses, read by the stack builders.

Built only by spec/normalize/ (the one place defaults live). Builders never look at
the raw YAML and never apply a default of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class FlowLogs:
    retention_days: int
    traffic: str                      # ALL | ACCEPT | REJECT


@dataclass(frozen=True)
class SubnetRef:
    id: str                           # subnet-...
    zone: Optional[str]               # its availability zone, when the spec gives it


@dataclass(frozen=True)
class ExistingVpc:
    id: str                           # vpc-...
    public: tuple[SubnetRef, ...]     # in spec order
    private: tuple[SubnetRef, ...]
    route_tables: tuple[str, ...]     # private route tables, for gateway endpoints
    nat: bool = False                 # network.vpc.nat: its private subnets route to a NAT gateway


@dataclass(frozen=True)
class Network:
    cidr: Optional[str]               # None only for an existing VPC whose cidr the spec does not give
    zones: tuple[str, ...]            # explicit zone names; empty when `azs` picks them (Fn::GetAZs)
    az_count: int                     # number of zones, explicit or not
    public_subnets: tuple[str, ...]   # one per zone, in zone order
    private_subnets: tuple[str, ...]  # one per zone, in zone order
    nat: str                          # none | single | per_az
    endpoints: tuple[str, ...]        # sorted, unique service names ("s3", "ecr.api", ...)
    flow_logs: Optional[FlowLogs]     # None when turned off (always for an existing VPC)
    existing: Optional[ExistingVpc] = None   # network.vpc.id: nothing of the VPC's own is made
    carved: bool = False              # the subnets are the compiler's (placement keeps them put)
    previous_cidr: Optional[str] = None  # the cidr of the last compile's carved layout, when it differs
    no_room: bool = False             # a new zone finds no free space without moving a subnet

    @property
    def gateway_endpoints(self) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if e in GATEWAY_ENDPOINTS)

    @property
    def interface_endpoints(self) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if e not in GATEWAY_ENDPOINTS)

    @property
    def nat_count(self) -> int:
        return {"none": 0, "single": 1, "per_az": self.az_count}[self.nat]


GATEWAY_ENDPOINTS = ("dynamodb", "s3")


@dataclass(frozen=True)
class Https:
    certificate_arn: Optional[str]    # None: the compiler's ACM certificates, one per alias
    ssl_policy: str


@dataclass(frozen=True)
class AccessLogs:
    bucket: Optional[str]             # None: the compiler makes the bucket
    prefix: str


@dataclass(frozen=True)
class LoadBalancer:
    public: bool
    allowed_cidrs: tuple[str, ...]
    idle_timeout: int
    https: Optional[Https]
    access_logs: Optional[AccessLogs]  # None: off
    deletion_protection: bool
    written: frozenset[str] = frozenset()   # the load_balancer keys the spec wrote (scanner skips
                                            # are written only for explicit choices)

    @property
    def listener_ports(self) -> tuple[int, ...]:
        return (80, 443) if self.https else (80,)


@dataclass(frozen=True)
class HealthCheck:
    path: str
    success_codes: str
    healthy_threshold: int
    unhealthy_threshold: int
    interval: int
    timeout: int
    grace_period: int
    grpc_codes: Optional[str] = None  # version GRPC: the matcher's gRPC codes (success_codes unused)


@dataclass(frozen=True)
class Route:
    """`http.additional_rules[i]`: another listener rule of the service, with a target group
    of its own (the service's protocol, deregistration delay and stickiness)."""

    paths: tuple[str, ...]            # path patterns ("/" is "/*")
    hosts: tuple[str, ...]
    healthcheck: HealthCheck
    target_container: str             # the main container's name or a sidecar's
    target_port: int
    version: str                      # HTTP1 | HTTP2 | GRPC (default: the service's http.version)
    priority: Optional[int] = None    # listener rule priority; placement.py assigns one when None
    assigned: bool = False            # priority chosen by the compiler (placement.py)
    is_default = False                # never the listener's default action


@dataclass(frozen=True)
class Http:
    paths: tuple[str, ...]            # path patterns of the listener rule (empty when is_default)
    hosts: tuple[str, ...]            # host-header values: `hosts`, then the aliases not among them
    is_default: bool                  # "/" with no hosts: the listener's default action
    priority: Optional[int]           # listener rule priority; None when is_default
    healthcheck: HealthCheck
    deregistration_delay: int
    stickiness: bool
    protocol: str                     # HTTP | HTTPS: ALB to container, target group and health check
    aliases: tuple[str, ...] = ()     # custom domain names (also among hosts), in spec order
    hosted_zone: Optional[str] = None  # Route 53 hosted zone ID of the aliases' records
    assigned: bool = False            # priority chosen by the compiler (placement.py), not the spec
    version: str = "HTTP1"            # HTTP1 | HTTP2 | GRPC: the target groups' protocol version
    target_container: Optional[str] = None   # the container the route sends to (normalize: the main one)
    target_port: Optional[int] = None        # its port (normalize: that container's port)
    additional_rules: tuple[Route, ...] = ()  # in spec order

    @property
    def target_ports(self) -> tuple[int, ...]:
        """Every container port the ALB sends to for this service, sorted, once each."""
        ports = {self.target_port, *(r.target_port for r in self.additional_rules)}
        return tuple(sorted(p for p in ports if p))   # None/0: no port known (FC281 says so)


@dataclass(frozen=True)
class NlbHealthCheck:
    port: Optional[int]               # None: each target's traffic port
    protocol: str                     # TCP | HTTP | HTTPS (never UDP: ELB refuses it)
    path: Optional[str]               # HTTP/HTTPS only
    interval: int
    healthy_threshold: int
    unhealthy_threshold: int
    grace_period: int                 # seconds ECS ignores failing checks after a task starts


@dataclass(frozen=True)
class Nlb:
    """`services.<name>.nlb`: a Network Load Balancer of the service's own (stacks/nlb.py)."""

    port: int                         # the listener port
    protocol: str                     # TCP | UDP | TCP_UDP | TLS (the listener's)
    public: bool                      # internet-facing in the public subnets, or internal
    certificate_arn: Optional[str]    # TLS only
    ssl_policy: Optional[str]         # TLS only
    target_port: int                  # the main container's port the NLB sends to
    allowed_cidrs: tuple[str, ...]    # who may reach the listener (the NLB's security group)
    healthcheck: NlbHealthCheck
    deregistration_delay: int

    @property
    def target_protocol(self) -> str:
        """The target group's protocol: TLS ends at the NLB, TCP to the tasks."""
        return "TCP" if self.protocol == "TLS" else self.protocol

    @property
    def ip_protocols(self) -> tuple[str, ...]:
        """The IP protocols of the listener's traffic, as security group rules name them."""
        return {"UDP": ("udp",), "TCP_UDP": ("tcp", "udp")}.get(self.protocol, ("tcp",))

    @property
    def container_protocol(self) -> str:
        """The port mapping's protocol. TCP_UDP: tcp, as ECS refuses two mappings of one
        container port; in awsvpc mode the task's ENI takes both protocols on the port."""
        return "udp" if self.protocol == "UDP" else "tcp"


@dataclass(frozen=True)
class Connect:
    alias: str                        # DNS name clients use: http://<alias>:<port>


@dataclass(frozen=True)
class QueueScaling:
    acceptable_latency: float         # seconds a message may wait
    msg_processing_time: float        # seconds one task spends on one message

    @property
    def backlog_per_task(self) -> int:
        """Messages one task may have waiting and still meet the latency (as Copilot rounds: up)."""
        return max(1, math.ceil(self.acceptable_latency / self.msg_processing_time))


@dataclass(frozen=True)
class Scaling:
    min: int
    max: int
    cpu_percentage: Optional[int]
    memory_percentage: Optional[int]
    requests: Optional[int]           # ALB requests per target
    queue: Optional[QueueScaling]     # backlog per task of the service's subscription queue
    schedule: tuple["ScheduledCount", ...] = ()   # scheduled actions, spec order


@dataclass(frozen=True)
class ScheduledCount:
    expression: str                   # at(...)/cron(...)/rate(...) as Application Auto Scaling takes it
    min: int
    max: int
    timezone: str                     # IANA name; UTC by default


@dataclass(frozen=True)
class ContainerHealthCheck:
    command: tuple[str, ...]
    interval: int
    retries: int
    timeout: int
    start_period: int


@dataclass(frozen=True)
class Secret:
    name: str                         # environment variable
    value_from: str                   # ARN or SSM parameter name/ARN as written
    kind: str                         # "secretsmanager" | "ssm"


@dataclass(frozen=True)
class MountPoint:
    source_volume: str
    path: str
    read_only: bool


@dataclass(frozen=True)
class Efs:
    file_system_id: Optional[str]     # None: the app's managed file system
    root_dir: str                     # directory of the file system the volume exposes
    uid: Optional[int]                # POSIX user/group of the access point; None: no access point
    gid: Optional[int]

    @property
    def managed(self) -> bool:
        return self.file_system_id is None

    @property
    def access_point(self) -> bool:
        """Mounted through an access point: always on the managed file system, and on an
        existing one when a uid/gid is given."""
        return self.managed or self.uid is not None


@dataclass(frozen=True)
class Volume:
    name: str
    path: str                         # mount path in the main container
    read_only: bool                   # of the main container's mount
    efs: Optional[Efs]                # None: a task-local volume


@dataclass(frozen=True)
class Sidecar:
    name: str
    image: str
    port: Optional[int]
    essential: bool
    variables: tuple[tuple[str, str], ...]
    secrets: tuple[Secret, ...]
    command: tuple[str, ...]
    entrypoint: tuple[str, ...]
    mount_points: tuple[MountPoint, ...] = ()   # in spec order


@dataclass(frozen=True)
class PolicyStatement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class TaskRole:
    policies: tuple[PolicyStatement, ...]
    managed_policies: tuple[str, ...]


@dataclass(frozen=True)
class DeploymentAlarms:
    """The alarms a deployment watches (DeploymentConfiguration.Alarms, rollback on)."""
    compiler: bool                    # the compiler's alarms (target 5xx rate, unhealthy hosts, p99)
    errors_percent: float             # 5xx rate threshold, percent of requests
    latency_p99: float                # target response time p99 threshold, seconds
    names: tuple[str, ...]            # existing alarms named by the spec, in spec order


@dataclass(frozen=True)
class LifecycleHook:
    function: str                     # Lambda function ARN (or a ${VAR} already substituted)
    stages: tuple[str, ...]           # ECS stage names (upper case), spec order


@dataclass(frozen=True)
class TestTraffic:
    header: Optional[tuple[str, str]]  # (name, value): a header condition on the production listener
    port: Optional[int]                # or a test listener on this port


@dataclass(frozen=True)
class Deployment:
    min_healthy_percent: int
    max_percent: int
    rollback: bool
    strategy: str = "ROLLING"         # ROLLING | BLUE_GREEN | CANARY | LINEAR
    percent: Optional[float] = None   # canary: CanaryPercent; linear: StepPercent
    step_bake: Optional[int] = None   # canary/linear bake time per step, minutes
    bake: Optional[int] = None        # BakeTimeInMinutes (None: ECS's default for the strategy)
    alarms: Optional[DeploymentAlarms] = None   # None: no alarms watched
    hooks: tuple[LifecycleHook, ...] = ()
    test_traffic: Optional[TestTraffic] = None

    @property
    def shifted(self) -> bool:
        """Traffic moves between two revisions (blue/green, canary, linear)."""
        return self.strategy != "ROLLING"


@dataclass(frozen=True)
class Storage:
    readonly_fs: bool
    ephemeral: Optional[int]          # GiB, 21..200; None: Fargate's default 20 GiB
    volumes: tuple[Volume, ...] = ()  # sorted by name


@dataclass(frozen=True)
class Topic:
    name: str                         # unique within its publishing service
    fifo: bool


@dataclass(frozen=True)
class TopicRef:
    service: str                      # the publishing service
    name: str                         # the topic's name there
    filter_policy: Optional[str]      # JSON text (sorted keys), None: every message


@dataclass(frozen=True)
class Queue:
    retention: int                    # seconds a message is kept (60..1209600)
    delay: int                        # seconds before a new message is visible (0..900)
    timeout: int                      # visibility timeout, seconds (0..43200)
    dead_letter_tries: int            # receives before a message moves to the dead-letter queue
    fifo: bool


@dataclass(frozen=True)
class Subscription:
    topics: tuple[TopicRef, ...]      # sorted by (service, name)
    queue: Queue


class _TaskFields:
    """What a service's and a job's task have in common, as properties over their fields."""

    @property
    def cpu_architecture(self) -> str:
        return "ARM64" if self.platform == "linux/arm64" else "X86_64"

    @property
    def all_secrets(self) -> tuple[Secret, ...]:
        found = list(self.secrets)
        for sidecar in self.sidecars:
            found.extend(sidecar.secrets)
        return tuple(sorted(set(found), key=lambda s: (s.value_from, s.name)))

    def volume_writable(self, volume: Volume) -> bool:
        """Whether any container of the task mounts `volume` writable."""
        return not volume.read_only or any(
            not p.read_only for c in self.sidecars for p in c.mount_points
            if p.source_volume == volume.name)

    @property
    def efs_volumes(self) -> tuple[Volume, ...]:
        return tuple(v for v in self.storage.volumes if v.efs is not None)


@dataclass(frozen=True)
class Service(_TaskFields):
    name: str
    image: str
    port: Optional[int]               # None: a worker (no http, connect or discovery)
    cpu: int
    memory: int
    desired_count: int                # the count, or the scaling minimum
    scaling: Optional[Scaling]
    placement: str                    # private | public
    platform: str                     # linux/x86_64 | linux/arm64
    http: Optional[Http]
    connect: Optional[Connect]
    discovery: bool                   # Cloud Map A record <name>.<namespace>
    variables: tuple[tuple[str, str], ...]   # sorted by name
    secrets: tuple[Secret, ...]              # sorted by name
    log_retention_days: int
    deployment: Deployment
    sidecars: tuple[Sidecar, ...]            # sorted by name
    command: tuple[str, ...]
    entrypoint: tuple[str, ...]
    healthcheck: Optional[ContainerHealthCheck]
    storage: Storage
    exec: bool
    spot: bool
    task_role: TaskRole
    stack: Optional[str]              # pinned stack group, if any
    depends_on: tuple[str, ...]       # services created before this one (sorted)
    secrets_kms_keys: tuple[str, ...]  # KMS key ARNs the execution role may decrypt with (sorted)
    user: Optional[str]               # the main container's user (uid[:gid] or name[:group]); None: the image's
    publish: tuple[Topic, ...]        # sorted by name
    subscribe: Optional[Subscription]
    nlb: Optional[Nlb] = None          # a Network Load Balancer of the service's own
    # Set by placement.py (stable across updates): logical-ID prefix, services stack stem,
    # and a subscriber's (queue, dead-letter queue) names.
    key: str = ""
    group: str = ""
    queue_names: tuple[str, ...] = ()
    identity: str = ""                # the name its queue and subscription logical IDs follow
    renamed_from: Optional[str] = None  # the name this service had: it keeps that one's resources


@dataclass(frozen=True)
class Gone:
    """A service the last compile placed that the spec no longer has (removed, or renamed
    without `renamed_from`): what its removal does."""

    name: str
    queues: tuple[str, ...]           # its (retained) queues: a backlog no service reads
    priority: Optional[int]           # its rule's priority, held until the cleanup phase


@dataclass(frozen=True)
class Job(_TaskFields):
    """A task run on a schedule by a Step Functions state machine (retries, timeout)."""

    name: str
    image: str
    schedule: str                     # the EventBridge expression: rate(...) or cron(6 fields)
    retries: int                      # re-runs after a failed attempt (0..10)
    timeout: Optional[int]            # seconds; None: no limit
    cpu: int
    memory: int
    placement: str                    # private | public
    platform: str
    spot: bool
    variables: tuple[tuple[str, str], ...]
    secrets: tuple[Secret, ...]
    log_retention_days: int
    sidecars: tuple[Sidecar, ...]
    command: tuple[str, ...]
    entrypoint: tuple[str, ...]
    storage: Storage
    task_role: TaskRole
    user: Optional[str]               # the main container's user; None: the image's
    secrets_kms_keys: tuple[str, ...]  # KMS key ARNs the execution role may decrypt with (sorted)
    execution_logs: bool = False      # the state machine logs failed executions (security: strict)
    # What a job's task never has: class constants, not fields (the task builders
    # read them as they read a service's).
    port = None
    healthcheck = None
    exec = False
    http = None
    connect = None
    discovery = False
    publish = ()
    subscribe = None
    depends_on = ()
    nlb = None


@dataclass(frozen=True)
class App:
    app: str
    environment: str
    tags: tuple[tuple[str, str], ...]  # user tags, sorted; builders add app/environment
    network: Network
    load_balancer: Optional[LoadBalancer]
    namespace: str
    services: tuple[Service, ...]     # in spec order (decides stack grouping)
    jobs: tuple[Job, ...]             # sorted by name
    security: str                     # standard | strict (normalize.POSTURES: the defaults it picks)
    retain_data: bool                 # DeletionPolicy/UpdateReplacePolicy Retain on stateful resources
    keep_namespace: bool = False      # a namespace was made before: it stays (placement.py)
    retired_queues: tuple[str, ...] = ()  # names earlier queues had: never given again (placement.py)
    copilot_variables: bool = False   # AWS Copilot's COPILOT_* variables in every task (stacks/copilot_env.py)
    # What placement found against the last compile's record (placement.py): for checks only,
    # not part of what is built, so not part of equality (place(app, record(app)) == app).
    gone: tuple["Gone", ...] = field(default=(), compare=False)   # its services not in this one
    new_services: tuple[str, ...] = field(default=(), compare=False)  # services it did not place

    @property
    def stack_name(self) -> str:
        return f"{self.app}-{self.environment}"

    @property
    def routed_services(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.http)

    @property
    def nlb_services(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.nlb)

    @property
    def uses_connect(self) -> bool:
        return any(s.connect for s in self.services)

    @property
    def uses_managed_efs(self) -> bool:
        """Whether any service or job mounts the app's managed EFS file system."""
        return any(v.efs.managed for s in self.services + self.jobs for v in s.efs_volumes)

    @property
    def alias_zones(self) -> tuple[tuple[str, str], ...]:
        """Every custom domain name with its hosted zone, sorted by name, once each."""
        found = {a: s.http.hosted_zone for s in self.routed_services for a in s.http.aliases}
        return tuple(sorted(found.items()))

    @property
    def uses_namespace(self) -> bool:
        # Once made, the namespace stays even when no service uses it any more: it is
        # retained, and a second one of the same name in the VPC could not be created.
        return self.keep_namespace or any(s.connect or s.discovery for s in self.services)

    @property
    def uses_messaging(self) -> bool:
        return any(s.publish or s.subscribe for s in self.services)
