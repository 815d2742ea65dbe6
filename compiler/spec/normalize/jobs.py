"""`jobs.<name>`: a scheduled task: its schedule, retries and timeout, and what tasks share."""

from __future__ import annotations

import math
from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.postures import Posture
from compiler.spec.normalize.storage import ephemeral, volumes
from compiler.spec.normalize.tasks import default_memory, secrets, sidecar, task_role, text, variables
from compiler.spec.schedules import ScheduleError, duration_seconds, to_aws


def aws_schedule(text: str) -> str | None:
    """The EventBridge form of a job's schedule; None when it is invalid (checks/ say why)."""
    try:
        return to_aws(text)
    except ScheduleError:
        return None


def job(name: str, spec: Mapping[str, Any], posture: Posture) -> m.Job:
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
        variables=variables(spec.get("variables")),
        secrets=secrets(spec.get("secrets")),
        log_retention_days=(spec.get("logging") or {}).get("retention_days", posture.log_retention_days),
        sidecars=tuple(sidecar(n, s) for n, s in sorted((spec.get("sidecars") or {}).items())),
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        storage=m.Storage(storage.get("readonly_fs", posture.readonly_fs and not spec.get("exec", False)),
                          ephemeral(storage.get("ephemeral")), volumes(name, storage.get("volumes"), posture)),
        task_role=task_role(spec.get("task_role") or {}),
        user=text(spec["user"]) if spec.get("user") is not None else None,
        secrets_kms_keys=tuple(sorted(set(spec.get("secrets_kms_keys", ())))),
        execution_logs=posture.execution_logs,
        renamed_from=spec.get("renamed_from"),
    )
