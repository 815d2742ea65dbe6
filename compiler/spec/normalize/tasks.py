"""What a service and a job share: task size, variables, secrets, sidecars, task role."""

from __future__ import annotations

import re
from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize.storage import mount_points

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


def default_memory(cpu: int) -> int:
    return FARGATE_MEMORY.get(cpu, (cpu * 2,))[0]


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def task_role(role: Mapping[str, Any]) -> m.TaskRole:
    return m.TaskRole(
        policies=tuple(
            m.PolicyStatement(tuple(p.get("actions", ())), tuple(p.get("resources", ())))
            for p in role.get("policies", ())
        ),
        managed_policies=tuple(sorted(set(role.get("managed_policies", ())))),
    )


def variables(spec: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, text(v)) for k, v in (spec or {}).items()))


SECRETSMANAGER_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:")


def secret_kind(value_from: str) -> str:
    return "secretsmanager" if SECRETSMANAGER_ARN.match(value_from) else "ssm"


def secrets(spec: Mapping[str, Any] | None) -> tuple[m.Secret, ...]:
    return tuple(
        m.Secret(name=k, value_from=v, kind=secret_kind(v)) for k, v in sorted((spec or {}).items())
    )


def sidecar(name: str, spec: Mapping[str, Any]) -> m.Sidecar:
    return m.Sidecar(
        name=name,
        image=spec["image"],
        port=spec.get("port"),
        essential=spec.get("essential", True),
        variables=variables(spec.get("variables")),
        secrets=secrets(spec.get("secrets")),
        command=tuple(spec.get("command", ())),
        entrypoint=tuple(spec.get("entrypoint", ())),
        mount_points=mount_points(spec.get("mount_points")),
    )
