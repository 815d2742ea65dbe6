"""Plain (schema-valid) data -> model.App. The only place defaults live.

Normalization is total on schema-valid input: cross-field problems (a VPC too
small to carve, a timeout not below its interval, ...) are left for checks/,
which read the model this module builds.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from compiler import model as m
from compiler.spec.schedules import ScheduleError, duration_seconds, to_aws
from compiler.state.subnets import carve

DEFAULT_CIDR = "10.0.0.0/16"
DEFAULT_AZS = 2
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

# Fargate's valid memory (MiB) per cpu unit count; the first is the default.
FARGATE_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


# Optional blocks where a bare `key:` (YAML null) means "this block, all defaults",
# as in `load_balancer:` followed only by commented-out settings. "*" is any service.
BLOCKS = (
    ("network",), ("network", "vpc"), ("network", "flow_logs"), ("load_balancer",),
    ("discovery",), ("tags",),
    ("services", "*", "http"), ("services", "*", "http", "healthcheck"),
    ("services", "*", "deployment"), ("services", "*", "logging"), ("services", "*", "storage"),
    ("services", "*", "variables"), ("services", "*", "secrets"), ("services", "*", "sidecars"),
    ("services", "*", "task_role"), ("services", "*", "storage", "volumes"),
    ("services", "*", "publish"), ("services", "*", "subscribe"),
    ("services", "*", "subscribe", "queue"), ("services", "*", "subscribe", "queue", "dead_letter"),
    ("jobs",), ("jobs", "*", "logging"), ("jobs", "*", "storage"), ("jobs", "*", "storage", "volumes"), ("jobs", "*", "variables"),
    ("jobs", "*", "secrets"), ("jobs", "*", "sidecars"), ("jobs", "*", "task_role"),
)

# SQS defaults for a subscriber's queue (SQS's own, except the dead-letter queue it always gets).
QUEUE_RETENTION = 4 * 24 * 3600       # SQS default: 4 days
QUEUE_DELAY = 0
QUEUE_TIMEOUT = 30                    # SQS default visibility timeout
DEAD_LETTER_TRIES = 10                # receives before a message moves to the dead-letter queue


def empty_blocks(data: Any) -> Any:
    """A copy of the loaded data with every bare optional block turned into {}."""
    def fill(node: Any, pattern: tuple) -> Any:
        if not isinstance(node, dict) or not pattern:
            return node
        head, rest = pattern[0], pattern[1:]
        keys = list(node) if head == "*" else [head]
        out = dict(node)
        for key in keys:
            if key in out:
                out[key] = {} if (out[key] is None and not rest) else fill(out[key], rest)
        return out

    for pattern in BLOCKS:
        data = fill(data, pattern)
    return data


@dataclass(frozen=True)
class Posture:
    """Defaults that `security` chooses (docs/security.md lists the controls)."""

    log_retention_days: int           # service and job log groups
    readonly_fs: bool                 # root filesystems of a task's containers, unless exec needs them writable
    access_logs: bool                 # ALB access logs (to a bucket the compiler makes)
    deletion_protection: bool         # ALB deletion protection


POSTURES = {
    "standard": Posture(log_retention_days=30, readonly_fs=False, access_logs=False, deletion_protection=False),
    # Security Hub FSBP: CloudWatch.16 (365 days), ECS.5, ELB.5 (access logs), ELB.6 (deletion protection).
    "strict": Posture(log_retention_days=365, readonly_fs=True, access_logs=True, deletion_protection=True),
}


def normalize(data: Mapping[str, Any]) -> m.App:
    """The model, not yet placed: the pipeline's next stage (state/placement.py) decides
    which stack, logical-ID key and listener priority each service keeps."""
    app = data["app"]
    env = data.get("environment", "dev")
    security = data.get("security", "standard")
    posture = POSTURES[security]
    network = _network(data.get("network") or {})
    # Spec order is kept: it decides which services stack a service lands in.
    services = tuple(_service(name, spec or {}, posture) for name, spec in data["services"].items())
    aliases = any(s.http.aliases for s in services if s.http)
    return m.App(
        app=app,
        environment=env,
        tags=tuple(sorted((str(k), _text(v)) for k, v in (data.get("tags") or {}).items())),
        network=network,
        load_balancer=_load_balancer(data.get("load_balancer"), network.cidr, aliases, posture),
        namespace=(data.get("discovery") or {}).get("namespace", f"{app}.{env}.local"),
        services=_queue_fifo(services),
        jobs=tuple(_job(name, spec or {}, posture) for name, spec in sorted((data.get("jobs") or {}).items())),
        security=security,
        retain_data=data.get("retain_data", True),
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _network(spec: Mapping[str, Any]) -> m.Network:
    vpc = spec.get("vpc") or {}
    if "id" in vpc:
        return _existing_network(spec, vpc)
    cidr = vpc.get("cidr", DEFAULT_CIDR)
    zones = tuple(vpc.get("zones", ()))
    subnets = vpc.get("subnets")
    # Zones: named ones, else `azs`, else as many as the public subnets given, else 2.
    az_count = len(zones) or vpc.get("azs") or len((subnets or {}).get("public", ())) or DEFAULT_AZS
    if subnets:
        public, private = tuple(subnets.get("public", ())), tuple(subnets.get("private", ()))
    else:
        public, private = carve(cidr, az_count) or ((), ())
    flow = spec.get("flow_logs", True)
    if flow is False:
        flow_logs = None
    else:
        flow = flow if isinstance(flow, Mapping) else {}
        flow_logs = m.FlowLogs(flow.get("retention_days", 365), flow.get("traffic", "ALL"))
    return m.Network(
        cidr=cidr,
        zones=zones,
        az_count=az_count,
        public_subnets=public,
        private_subnets=private,
        nat=spec.get("nat", "single"),
        endpoints=tuple(sorted(set(spec.get("endpoints", ())))),
        flow_logs=flow_logs,
    )


def _subnet_ref(item: Any) -> m.SubnetRef:
    if isinstance(item, Mapping):
        return m.SubnetRef(str(item["id"]), item.get("zone"))
    return m.SubnetRef(str(item), None)


def _existing_network(spec: Mapping[str, Any], vpc: Mapping[str, Any]) -> m.Network:
    """network.vpc.id: the VPC, its subnets and its routing are someone else's. No NAT, no
    flow logs, no CIDR unless given; the zone count is what the subnets say (for the plan)."""
    subnets = vpc.get("subnets") or {}
    public = tuple(_subnet_ref(i) for i in subnets.get("public", ()))
    private = tuple(_subnet_ref(i) for i in subnets.get("private", ()))
    zones = {r.zone for r in public + private if r.zone}
    return m.Network(
        cidr=vpc.get("cidr"),
        zones=(),
        az_count=len(zones) or max(len(public), len(private), 1),
        public_subnets=(),
        private_subnets=(),
        nat="none",
        endpoints=tuple(sorted(set(spec.get("endpoints", ())))),
        flow_logs=None,
        existing=m.ExistingVpc(vpc["id"], public, private, tuple(vpc.get("route_tables", ()))),
    )


def _load_balancer(spec: Mapping[str, Any] | None, vpc_cidr: str | None, aliases: bool,
                   posture: Posture) -> m.LoadBalancer | None:
    if spec is None:
        return None
    public = spec.get("public", True)
    # Custom domains without a certificate of the spec's own: HTTPS with the compiler's
    # ACM certificates (certificate_arn None).
    https = spec.get("https") or ({} if aliases else None)
    logs = spec.get("access_logs", posture.access_logs)
    if logs is False:
        access_logs = None
    else:
        logs = logs if isinstance(logs, Mapping) else {}
        access_logs = m.AccessLogs(logs.get("bucket"), logs.get("prefix", ""))
    return m.LoadBalancer(
        public=public,
        # An internal ALB admits the VPC; in an existing VPC of unknown cidr, FC260 asks for allowed_cidrs.
        allowed_cidrs=tuple(spec.get("allowed_cidrs", ["0.0.0.0/0"] if public else [vpc_cidr] if vpc_cidr else [])),
        idle_timeout=spec.get("idle_timeout", 60),
        https=m.Https(https.get("certificate_arn"), https.get("ssl_policy", DEFAULT_SSL_POLICY))
        if https is not None else None,
        access_logs=access_logs,
        deletion_protection=spec.get("deletion_protection", posture.deletion_protection),
    )


def default_memory(cpu: int) -> int:
    return FARGATE_MEMORY.get(cpu, (cpu * 2,))[0]


def _service(name: str, spec: Mapping[str, Any], posture: Posture) -> m.Service:
    cpu = spec.get("cpu", 256)
    count = spec.get("count", 1)
    scaling = _scaling(count) if isinstance(count, Mapping) else None
    deployment = spec.get("deployment") or {}
    storage = spec.get("storage") or {}
    role = spec.get("task_role") or {}
    return m.Service(
        name=name,
        image=spec["image"],
        port=spec.get("port"),
        cpu=cpu,
        memory=spec.get("memory", default_memory(cpu)),
        desired_count=scaling.min if scaling else count,
        scaling=scaling,
        placement=spec.get("placement", "private"),
        platform=spec.get("platform", "linux/x86_64"),
        http=_http(spec["http"]) if spec.get("http") is not None else None,
        connect=_connect(name, spec.get("connect", False)),
        discovery=spec.get("discovery", False),
        variables=_variables(spec.get("variables")),
        secrets=_secrets(spec.get("secrets")),
        log_retention_days=(spec.get("logging") or {}).get("retention_days", posture.log_retention_days),
        deployment=m.Deployment(
            min_healthy_percent=deployment.get("min_healthy_percent", 100),
            max_percent=deployment.get("max_percent", 200),
            rollback=deployment.get("rollback", True),
        ),
        sidecars=tuple(
            _sidecar(n, s) for n, s in sorted((spec.get("sidecars") or {}).items())
        ),
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        healthcheck=_container_healthcheck(spec.get("healthcheck")),
        storage=m.Storage(storage.get("readonly_fs", posture.readonly_fs and not spec.get("exec", False)),
                          _ephemeral(storage.get("ephemeral")), _volumes(name, storage.get("volumes"))),
        exec=spec.get("exec", False),
        spot=spec.get("spot", False),
        task_role=_task_role(role),
        stack=spec.get("stack"),
        depends_on=tuple(sorted(set(spec.get("depends_on", ())))),
        secrets_kms_keys=tuple(sorted(set(spec.get("secrets_kms_keys", ())))),
        user=_text(spec["user"]) if spec.get("user") is not None else None,
        publish=tuple(sorted(
            (m.Topic(t["name"], t.get("fifo", False)) for t in (spec.get("publish") or {}).get("topics", ())),
            key=lambda t: t.name,
        )),
        subscribe=_subscription(spec.get("subscribe")),
    )


def _task_role(role: Mapping[str, Any]) -> m.TaskRole:
    return m.TaskRole(
        policies=tuple(
            m.PolicyStatement(tuple(p.get("actions", ())), tuple(p.get("resources", ())))
            for p in role.get("policies", ())
        ),
        managed_policies=tuple(sorted(set(role.get("managed_policies", ())))),
    )


def _seconds(value: Any, default: int) -> int:
    """Whole seconds of a schema-valid duration (checks/ report fractions and ranges)."""
    return default if value is None else math.ceil(duration_seconds(value))


def _subscription(spec: Mapping[str, Any] | None) -> m.Subscription | None:
    if spec is None:
        return None
    queue = spec.get("queue") or {}
    topics = tuple(sorted(
        (m.TopicRef(t["service"], t["name"],
                    json.dumps(t["filter_policy"], sort_keys=True) if t.get("filter_policy") else None)
         for t in spec.get("topics", ())),
        key=lambda t: (t.service, t.name),
    ))
    return m.Subscription(
        topics=topics,
        queue=m.Queue(
            retention=_seconds(queue.get("retention"), QUEUE_RETENTION),
            delay=_seconds(queue.get("delay"), QUEUE_DELAY),
            timeout=_seconds(queue.get("timeout"), QUEUE_TIMEOUT),
            dead_letter_tries=(queue.get("dead_letter") or {}).get("tries", DEAD_LETTER_TRIES),
            fifo=queue.get("fifo"),          # None: decided by the topics (_queue_fifo)
        ),
    )


def _queue_fifo(services: tuple[m.Service, ...]) -> tuple[m.Service, ...]:
    """A subscriber's queue is FIFO when it says so, else when a topic it subscribes to is."""
    fifo_topics = {(s.name, t.name) for s in services for t in s.publish if t.fifo}
    out = []
    for s in services:
        sub = s.subscribe
        if sub is not None and sub.queue.fifo is None:
            fifo = any((t.service, t.name) in fifo_topics for t in sub.topics)
            s = replace(s, subscribe=replace(sub, queue=replace(sub.queue, fifo=fifo)))
        out.append(s)
    return tuple(out)


def aws_schedule(text: str) -> str | None:
    """The EventBridge form of a job's schedule; None when it is invalid (checks/ say why)."""
    try:
        return to_aws(text)
    except ScheduleError:
        return None


def _job(name: str, spec: Mapping[str, Any], posture: Posture) -> m.Job:
    cpu = spec.get("cpu", 256)
    storage = spec.get("storage") or {}
    timeout = spec.get("timeout")
    return m.Job(
        name=name,
        image=spec["image"],
        schedule=aws_schedule(str(spec["schedule"])),
        retries=spec.get("retries", 0),
        timeout=None if timeout is None else math.ceil(duration_seconds(timeout)),
        cpu=cpu,
        memory=spec.get("memory", default_memory(cpu)),
        placement=spec.get("placement", "private"),
        platform=spec.get("platform", "linux/x86_64"),
        spot=spec.get("spot", False),
        variables=_variables(spec.get("variables")),
        secrets=_secrets(spec.get("secrets")),
        log_retention_days=(spec.get("logging") or {}).get("retention_days", posture.log_retention_days),
        sidecars=tuple(_sidecar(n, s) for n, s in sorted((spec.get("sidecars") or {}).items())),
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        storage=m.Storage(storage.get("readonly_fs", posture.readonly_fs and not spec.get("exec", False)),
                          _ephemeral(storage.get("ephemeral")), _volumes(name, storage.get("volumes"))),
        task_role=_task_role(spec.get("task_role") or {}),
        user=_text(spec["user"]) if spec.get("user") is not None else None,
        secrets_kms_keys=tuple(sorted(set(spec.get("secrets_kms_keys", ())))),
    )


def _ephemeral(gib: int | None) -> int | None:
    """Fargate gives every task 20 GiB; only more than that is set on the task definition."""
    return gib if gib is not None and gib > 20 else None


# The managed file system's access points: files are owned by this user and group
# unless the volume names its own; each (service, volume) gets its own directory.
DEFAULT_EFS_UID = 1000
DEFAULT_EFS_GID = 1000


def _volumes(service: str, spec: Mapping[str, Any] | None) -> tuple[m.Volume, ...]:
    return tuple(_volume(service, name, v or {}) for name, v in sorted((spec or {}).items()))


def _volume(service: str, name: str, spec: Mapping[str, Any]) -> m.Volume:
    efs = spec.get("efs", False)
    if efs is True:
        efs = {}
    if efs is False:
        config = None
    elif efs.get("id") is None:
        config = m.Efs(None, efs.get("root_dir", f"/{service}/{name}"),
                       efs.get("uid", DEFAULT_EFS_UID), efs.get("gid", DEFAULT_EFS_GID))
    else:
        config = m.Efs(efs["id"], efs.get("root_dir", "/"), efs.get("uid"), efs.get("gid"))
    # Copilot's default: a volume is read-only unless it says otherwise.
    return m.Volume(name, spec["path"], spec.get("read_only", True), config)


def _mount_points(spec: Any) -> tuple[m.MountPoint, ...]:
    return tuple(m.MountPoint(p["source_volume"], p["path"], p.get("read_only", True))
                 for p in spec or ())


def _scaling(count: Mapping[str, Any]) -> m.Scaling:
    low, high = (int(x) for x in count["range"].split("-"))
    return m.Scaling(
        min=low,
        max=high,
        cpu_percentage=count.get("cpu_percentage"),
        memory_percentage=count.get("memory_percentage"),
        requests=count.get("requests"),
        queue=m.QueueScaling(
            acceptable_latency=duration_seconds(count["queue_delay"]["acceptable_latency"]),
            msg_processing_time=duration_seconds(count["queue_delay"]["msg_processing_time"]),
        ) if count.get("queue_delay") else None,
    )


def default_timeout(interval: int) -> int:
    return min(5, interval - 1)


def _http(spec: Mapping[str, Any]) -> m.Http:
    raw_paths = spec.get("path", "/")
    paths = (raw_paths,) if isinstance(raw_paths, str) else tuple(raw_paths)
    alias = spec.get("alias", ())
    aliases = (alias,) if isinstance(alias, str) else tuple(alias)
    # The aliases are host-header values of the route too.
    written = tuple(spec.get("hosts", ()))
    hosts = written + tuple(a for a in aliases if a not in written)
    is_default = paths == ("/",) and not hosts
    hc = spec.get("healthcheck") or {}
    interval = hc.get("interval", 30)
    return m.Http(
        # "/" in a rule is "/*"; a list holding both would repeat a value ALB refuses.
        paths=() if is_default else tuple(dict.fromkeys("/*" if p == "/" else p for p in paths)),
        hosts=hosts,
        is_default=is_default,
        priority=None if is_default else spec.get("priority"),
        healthcheck=m.HealthCheck(
            path=hc.get("path", "/"),
            success_codes=str(hc.get("success_codes", "200")),
            healthy_threshold=hc.get("healthy_threshold", 5),
            unhealthy_threshold=hc.get("unhealthy_threshold", 2),
            interval=interval,
            timeout=hc.get("timeout", default_timeout(interval)),
            grace_period=hc.get("grace_period", 60),
        ),
        deregistration_delay=spec.get("deregistration_delay", 60),
        stickiness=spec.get("stickiness", False),
        protocol=spec.get("protocol", "HTTP"),
        aliases=aliases,
        hosted_zone=spec.get("hosted_zone"),
    )


def _connect(name: str, spec: Any) -> m.Connect | None:
    if spec is True:
        return m.Connect(alias=name)
    if isinstance(spec, Mapping):
        return m.Connect(alias=spec.get("alias", name))
    return None


def _variables(spec: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, _text(v)) for k, v in (spec or {}).items()))


SECRETSMANAGER_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:")


def secret_kind(value_from: str) -> str:
    return "secretsmanager" if SECRETSMANAGER_ARN.match(value_from) else "ssm"


def _secrets(spec: Mapping[str, Any] | None) -> tuple[m.Secret, ...]:
    return tuple(
        m.Secret(name=k, value_from=v, kind=secret_kind(v)) for k, v in sorted((spec or {}).items())
    )


def _sidecar(name: str, spec: Mapping[str, Any]) -> m.Sidecar:
    return m.Sidecar(
        name=name,
        image=spec["image"],
        port=spec.get("port"),
        essential=spec.get("essential", True),
        variables=_variables(spec.get("variables")),
        secrets=_secrets(spec.get("secrets")),
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        mount_points=_mount_points(spec.get("mount_points")),
    )


def _container_healthcheck(spec: Mapping[str, Any] | None) -> m.ContainerHealthCheck | None:
    if not spec:
        return None
    command = tuple(spec["command"])
    if command and command[0] not in ("CMD", "CMD-SHELL", "NONE"):
        command = ("CMD-SHELL", " ".join(command))
    interval = spec.get("interval", 30)
    return m.ContainerHealthCheck(
        command=command,
        interval=interval,
        retries=spec.get("retries", 3),
        # ECS's default 5, or interval - 1 when smaller (as for the ALB): the timeout
        # stays below the interval (FC203), so `interval: 5` alone is valid.
        timeout=spec.get("timeout", default_timeout(interval)),
        start_period=spec.get("start_period", 0),
    )
