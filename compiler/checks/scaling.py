"""FC211: counts within 5000 tasks per service; autoscaling range, from 0 only on a queue; `requests` needs `http`."""

# A range starting at 0 needs a policy that can scale out from zero tasks: target tracking
# on CPU, memory or requests per target has no datapoint while no task runs, so its alarm
# never fires and the service stays at zero. Only queue-backlog scaling (`queue_delay`, a
# metric that exists without tasks) may start at 0.

from __future__ import annotations

from compiler.checks._util import given, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC211"

TASKS_PER_SERVICE = 5000      # ECS quota, not adjustable


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        sc = s.scaling
        if sc is None:
            if s.desired_count > TASKS_PER_SERVICE:
                found.append(locator.error(
                    CODE, svc(s.name, "count"),
                    f"count {s.desired_count} is above {TASKS_PER_SERVICE}, the most tasks "
                    f"an ECS service runs; use a count of 0..{TASKS_PER_SERVICE}"))
            continue
        if max(sc.min, sc.max) > TASKS_PER_SERVICE:
            found.append(locator.error(
                CODE, svc(s.name, "count", "range"),
                f"range {sc.min}-{sc.max} goes above {TASKS_PER_SERVICE}, the most tasks an "
                f"ECS service runs; keep both ends within 0..{TASKS_PER_SERVICE}"))
        elif sc.min > sc.max:
            found.append(locator.error(
                CODE, svc(s.name, "count", "range"),
                f"range {sc.min}-{sc.max}: the minimum is above the maximum; "
                f"write it as {sc.max}-{sc.min}"))
        elif sc.max < 1:
            found.append(locator.error(
                CODE, svc(s.name, "count", "range"),
                f"range {sc.min}-{sc.max} never runs a task; the maximum must be 1 or more"))
        elif sc.min == 0 and not given(data, *svc(s.name, "count", "queue_delay")):
            found.append(locator.error(
                CODE, svc(s.name, "count", "range"),
                f"range {sc.min}-{sc.max} starts at 0, but target tracking on cpu, memory or "
                "requests has no metric while no task runs, so it would never scale out",
                hint=f"start the range at 1 (1-{sc.max}), or scale on a queue with queue_delay"))
        if (sc.cpu_percentage is None and sc.memory_percentage is None and sc.requests is None
                and sc.queue is None):
            found.append(locator.error(
                CODE, svc(s.name, "count"),
                f"count range {sc.min}-{sc.max} has no scaling target; "
                "give cpu_percentage, memory_percentage, requests or queue_delay",
                hint="or use a plain number for a fixed count"))
        if sc.requests is not None and s.http is None:
            found.append(locator.error(
                CODE, svc(s.name, "count", "requests"),
                f"requests: {sc.requests} scales on ALB requests per target, but service "
                f"{s.name} has no http route",
                hint="add http, or scale on cpu_percentage / memory_percentage"))
    return found
