"""FC214: the deployment percentages let ECS replace a task (start one more or stop one)."""

from __future__ import annotations

import math

from compiler.checks._util import first_given, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC214"


def stuck(tasks: int, min_healthy: int, max_percent: int) -> bool:
    """ECS rounds max_percent down and min_healthy_percent up; stuck when neither moves."""
    upper = tasks * max_percent // 100
    lower = -(-tasks * min_healthy // 100)
    return upper <= tasks and lower >= tasks


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        # Fewer tasks are harder to replace: the smallest count that runs a task decides.
        if s.scaling:
            if s.scaling.max < 1:
                continue
            tasks = max(s.scaling.min, 1)
        else:
            tasks = s.desired_count
        d = s.deployment
        if tasks < 1 or not stuck(tasks, d.min_healthy_percent, d.max_percent):
            continue
        need_max = math.ceil((tasks + 1) * 100 / tasks)
        need_min = (tasks - 1) * 100 // tasks
        base = svc(s.name, "deployment")
        where = first_given(data, (*base, "max_percent"), (*base, "min_healthy_percent"), base)
        found.append(locator.error(
            CODE, where,
            f"with {tasks} task(s), max_percent {d.max_percent} allows no extra task and "
            f"min_healthy_percent {d.min_healthy_percent} allows none to stop, so a deployment "
            f"can never replace a task; use max_percent {need_max} or more, or "
            f"min_healthy_percent {need_min} or less"))
    return found
