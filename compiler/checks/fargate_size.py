"""FC201: cpu/memory is a valid Fargate size."""

# Fargate Spot runs ARM64 tasks on platform version 1.4.0 or later (the ECS API
# reference, CapacityProviderStrategyItem); services run LATEST, so spot with
# linux/arm64 is allowed.

from __future__ import annotations

from compiler.checks._util import given, listing, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.spec.normalize import FARGATE_MEMORY

CODE = "FC201"


def valid_memory(cpu: int) -> str:
    """The memory values (MiB) Fargate accepts with `cpu`, condensed when evenly stepped."""
    values = FARGATE_MEMORY[cpu]
    steps = {b - a for a, b in zip(values, values[1:])}
    if len(values) > 3 and len(steps) == 1:
        return f"{values[0]}-{values[-1]} in steps of {steps.pop()}"
    return listing(values)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        if s.cpu not in FARGATE_MEMORY:
            found.append(locator.error(
                CODE, svc(s.name, "cpu"),
                f"cpu {s.cpu} is not a Fargate size; use {listing(FARGATE_MEMORY)}"))
        elif s.memory not in FARGATE_MEMORY[s.cpu]:
            where = "memory" if given(data, *svc(s.name, "memory")) else "cpu"
            found.append(locator.error(
                CODE, svc(s.name, where),
                f"memory {s.memory} is not valid with cpu {s.cpu}; "
                f"with cpu {s.cpu} Fargate takes memory {valid_memory(s.cpu)} (MiB)",
                hint=_other_cpus(s.memory)))
    return found


def _other_cpus(memory: int) -> str:
    cpus = [cpu for cpu, values in FARGATE_MEMORY.items() if memory in values]
    return f"memory {memory} fits cpu {listing(cpus)}" if cpus else ""
