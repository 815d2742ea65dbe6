"""Services and jobs (the task fields they share), and the services a record had that a spec no longer has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from compiler.model.messaging import Subscription, Topic
from compiler.model.routing import Http, Nlb
from compiler.model.tasks import (Connect, ContainerHealthCheck, Deployment, Scaling, Secret, Sidecar, Storage,
                                   TaskRole, Volume)


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
    """A service (or job) the last compile placed that the spec no longer has (removed, or
    renamed without `renamed_from`): what its removal does."""

    name: str
    queues: tuple[str, ...]           # its (retained) queues: a backlog no service reads
    priority: Optional[int]           # its rule's priority, held until the cleanup phase
    directories: tuple[str, ...] = ()  # its access points' directories: their files stay there


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
    renamed_from: Optional[str] = None  # the name this job had: it keeps that one's resources
    # Set by state/jobs.py (stable across updates): the logical-ID prefix of its resources,
    # and the name its state machine, schedule rule and task security group are named after.
    key: str = ""
    identity: str = ""
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
