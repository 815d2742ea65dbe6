"""What a task runs with: scaling, health checks, secrets, volumes, sidecars, roles, deployments."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


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
    # root_dir is the default /<workload>/<volume>: placement sets it from the workload's
    # identity, so a rename with `renamed_from` keeps the directory (and the access point).
    default_root: bool = False

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
