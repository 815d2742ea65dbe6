"""How long a rolling deployment of each service takes, from its health-check settings.

Batches. ECS rolling updates keep, for a desired count N,

    at most  U = floor(N × max_percent / 100)          tasks RUNNING or PENDING, and
    at least L = ceil(N × min_healthy_percent / 100)   healthy tasks

(the rounding is ECS's own: maximumPercent rounds down, minimumHealthyPercent up).
At the start of a wave ECS stops old tasks down to L (N − L of them) and starts new
ones until U are running or pending: U − L new tasks. When they are healthy they
count towards L, so the next wave may stop (and replace) another U − L old tasks.
Hence

    batch size = min(N, U − L)        batches = ceil(N / batch size)

With min 100 / max 200 and N = 4: U = 8, L = 4, one batch of 4 (start 4, then stop 4).
With min 50 / max 100 and N = 4: U = 4, L = 2, two batches of 2. With U − L ≤ 0 (for
N = 1, min 100 and max 150: U = 1, L = 1) the deployment cannot make progress at all.
Draining tasks still count as RUNNING, so a wave's tasks are replaced only after the
old ones drained: the worst case of a wave is "a new task turns healthy" plus "an old
task drains", and the worst case of a rollout is batches × that.

A new routed task turns healthy after: task start (an assumption: ENI, image pull,
container start) + target registration (an assumption) + interval × healthy_threshold
(the ALB wants that many consecutive passing checks). The health-check grace period
does not delay a healthy task; it only stops ECS acting on failing checks early.
An old routed task drains for the deregistration delay. A service without a route is
counted as healthy when its container health check passes: the first check runs one
interval after the container starts (one pass suffices); without a container health
check ECS waits 40 seconds after RUNNING (documented ECS behaviour). It has no drain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from compiler import model as m

TASK_START_SECONDS = 60       # assumed: Fargate provisioning, image pull, container start
REGISTRATION_SECONDS = 15     # assumed: target registration until the first health check
NO_HEALTHCHECK_WAIT = 40      # ECS: a task without a container health check counts after 40 s RUNNING


@dataclass(frozen=True)
class Component:
    name: str
    seconds: float
    setting: str                  # the spec setting it comes from; "" for an assumption
    formula: str


@dataclass(frozen=True)
class Rollout:
    service: str
    routed: bool
    desired: int
    min_healthy_percent: int
    max_percent: int
    max_running: int              # U
    min_healthy: int              # L
    batch_size: int               # 0: no progress possible
    batches: int | None           # None: cannot progress
    new_task: tuple[Component, ...]   # time for a new task to turn healthy
    drain: tuple[Component, ...]      # time for an old task to go away
    grace_period: int | None
    notes: tuple[str, ...]

    @property
    def healthy_seconds(self) -> float:
        return sum(c.seconds for c in self.new_task)

    @property
    def drain_seconds(self) -> float:
        return sum(c.seconds for c in self.drain)

    @property
    def batch_seconds(self) -> float:
        return self.healthy_seconds + self.drain_seconds

    @property
    def worst_case_seconds(self) -> float | None:
        return None if self.batches is None else self.batches * self.batch_seconds

    @property
    def dominant(self) -> Component | None:
        """The largest component that a spec setting controls."""
        settings = [c for c in self.new_task + self.drain if c.setting and c.seconds > 0]
        return max(settings, key=lambda c: c.seconds, default=None)

    @property
    def dominant_share(self) -> float:
        d = self.dominant
        return d.seconds / self.batch_seconds if d and self.batch_seconds else 0.0


def batching(desired: int, min_healthy_percent: int, max_percent: int) -> tuple[int, int, int, int | None]:
    """(U, L, batch size, batches) as the module docstring derives them."""
    upper = desired * max_percent // 100
    lower = -(-desired * min_healthy_percent // 100)
    if desired == 0:
        return upper, lower, 0, 0
    size = min(desired, upper - lower)
    if size <= 0:
        return upper, lower, 0, None
    return upper, lower, size, math.ceil(desired / size)


def _new_task(service: m.Service) -> tuple[Component, ...]:
    start = Component("task start", TASK_START_SECONDS, "", "assumed")
    if service.http:
        hc = service.http.healthcheck
        return (
            start,
            Component("target registration", REGISTRATION_SECONDS, "", "assumed"),
            Component("ALB health-check wait", hc.interval * hc.healthy_threshold,
                      f"healthcheck interval {hc.interval} s × healthy_threshold {hc.healthy_threshold}",
                      f"{hc.interval} s × {hc.healthy_threshold}"),
        )
    if service.healthcheck:
        hc = service.healthcheck
        return (start, Component("container health check", hc.interval,
                                 f"container healthcheck interval {hc.interval} s",
                                 f"first check after {hc.interval} s"))
    return (start, Component("ECS wait without a health check", NO_HEALTHCHECK_WAIT, "", "ECS: 40 s after RUNNING"))


def _drain(service: m.Service) -> tuple[Component, ...]:
    if not service.http:
        return ()
    delay = service.http.deregistration_delay
    return (Component("deregistration delay", delay, f"deregistration_delay {delay} s", f"{delay} s"),)


def estimate(service: m.Service) -> Rollout:
    d = service.deployment
    upper, lower, size, batches = batching(service.desired_count, d.min_healthy_percent, d.max_percent)
    notes = []
    if batches is None:
        notes.append(f"cannot progress: floor({service.desired_count} × {d.max_percent}/100) = {upper} tasks may run "
                     f"and ceil({service.desired_count} × {d.min_healthy_percent}/100) = {lower} must stay healthy; "
                     "raise max_percent or lower min_healthy_percent")
    elif lower == 0 and service.desired_count:
        notes.append("min_healthy_percent lets every old task stop before a new one is healthy: expect downtime")
    if service.scaling:
        notes.append(f"counted at the autoscaling minimum ({service.scaling.min}); at {service.scaling.max} tasks "
                     f"it takes {batching(service.scaling.max, d.min_healthy_percent, d.max_percent)[3]} batch(es)")
    grace = service.http.healthcheck.grace_period if service.http else None
    if service.http:
        notes.append(f"grace period {grace} s: ECS ignores failing ALB checks for that long after a task starts; "
                     "it does not delay a healthy task")
    if service.port is None:
        notes.append("worker (no port): no target group, so no registration, ALB health-check wait or "
                     "deregistration drain")
    if service.scaling and service.scaling.min == 0:
        notes.append("the range starts at 0: while its queue is empty no task runs and a deployment "
                     "replaces nothing")
    if service.healthcheck and service.healthcheck.start_period:
        notes.append(f"container start_period {service.healthcheck.start_period} s: failures in it are not counted")
    return Rollout(service.name, bool(service.http), service.desired_count, d.min_healthy_percent, d.max_percent,
                   upper, lower, size, batches, _new_task(service), _drain(service), grace, tuple(notes))


def estimates(app: m.App) -> tuple[Rollout, ...]:
    return tuple(estimate(s) for s in app.services)


def job_notes(app: m.App) -> tuple[str, ...]:
    """Jobs have no rolling deployment: a new task definition applies from the next run."""
    return tuple(
        f"job {job.name}: no rollout; the next scheduled run ({job.schedule}) uses the new task "
        "definition, a run in progress finishes on the old one"
        for job in app.jobs
    )
