"""`services.<name>`: size, count and scaling, deployment (deployment.py), Service Connect, container health check."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.deployment import deployment as deployment_, schedule
from compiler.spec.normalize.http import default_timeout, http
from compiler.spec.normalize.messaging import subscription
from compiler.spec.normalize.nlb import nlb
from compiler.spec.normalize.postures import Posture
from compiler.spec.normalize.storage import ephemeral, volumes
from compiler.spec.normalize.tasks import default_memory, secrets, sidecar, task_role, text, variables
from compiler.spec.schedules import duration_seconds


def service(name: str, spec: Mapping[str, Any], posture: Posture, vpc_cidr: str | None = None,
            shared_nlbs: Mapping[str, m.NetworkLoadBalancer] | None = None) -> m.Service:
    cpu = spec.get("cpu", 256)
    count = spec.get("count", 1)
    scaling = _scaling(count) if isinstance(count, Mapping) else None
    deployment = spec.get("deployment") or {}
    storage = spec.get("storage") or {}
    role = spec.get("task_role") or {}
    sidecars = tuple(sidecar(n, s) for n, s in sorted((spec.get("sidecars") or {}).items()))
    # The main container's port wins a name clash (FC208 refuses a sidecar named like it).
    ports = {**{c.name: c.port for c in sidecars}, name: spec.get("port")}
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
        http=http(spec["http"], name, ports) if spec.get("http") is not None else None,
        connect=_connect(name, spec.get("connect", False)),
        discovery=spec.get("discovery", False),
        variables=variables(spec.get("variables")),
        secrets=secrets(spec.get("secrets")),
        log_retention_days=(spec.get("logging") or {}).get("retention_days", posture.log_retention_days),
        deployment=deployment_(deployment),
        sidecars=sidecars,
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        healthcheck=_container_healthcheck(spec.get("healthcheck")),
        storage=m.Storage(storage.get("readonly_fs", posture.readonly_fs and not spec.get("exec", False)),
                          ephemeral(storage.get("ephemeral")), volumes(name, storage.get("volumes"), posture)),
        exec=spec.get("exec", False),
        spot=spec.get("spot", False),
        task_role=task_role(role),
        stack=spec.get("stack"),
        renamed_from=spec.get("renamed_from"),
        depends_on=tuple(sorted(set(spec.get("depends_on", ())))),
        secrets_kms_keys=tuple(sorted(set(spec.get("secrets_kms_keys", ())))),
        user=text(spec["user"]) if spec.get("user") is not None else None,
        publish=tuple(sorted(
            (m.Topic(t["name"], t.get("fifo", False)) for t in (spec.get("publish") or {}).get("topics", ())),
            key=lambda t: t.name,
        )),
        subscribe=subscription(spec.get("subscribe")),
        nlb=nlb(spec.get("nlb"), spec.get("port"), vpc_cidr, shared_nlbs or {}),
    )


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
        schedule=schedule(count.get("schedule")),
    )


def _connect(name: str, spec: Any) -> m.Connect | None:
    if spec is True:
        return m.Connect(alias=name)
    if isinstance(spec, Mapping):
        return m.Connect(alias=spec.get("alias", name))
    return None


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
